"""microkube storage backend ``etcd``: the cluster state in an etcd v3 cluster.

Only the hook implementation lives here; gRPC, protobuf and the backend are imported when the
factory runs, so merely installing this plugin costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.storage import Storage


@hookimpl
def microkube_storage_backends() -> dict[str, Factory[Storage]]:
    def etcd(context: FactoryContext) -> Storage:
        from microkube_storage_etcd.backend import EtcdStorage

        return EtcdStorage.from_context(context)

    return {"etcd": etcd}
