"""One kubeconfig per component identity, as kubeadm writes ``admin.conf``,
``scheduler.conf``, ``controller-manager.conf`` and ``kubelet.conf``.

They go to ``<data-dir>/kubeconfigs/<name>.conf`` (the rule ``microkube.client.connect``
follows to find a component's own), the admin one to ``<data-dir>/kubeconfig`` — written
last, since components wait for that file before they look for theirs. All are rewritten on
every start (the server's URL may change); the certificates inside are reused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from microkube.client.connect import KUBECONFIGS_DIR
from microkube.client.kubeconfig import make_kubeconfig, write_kubeconfig
from microkube_apiserver.pki.cluster import ClusterPki
from microkube_apiserver.pki.identities import (
    ADMIN,
    COMPONENT_IDENTITIES,
    Identity,
    kubelet_identity,
)

__all__ = ["write_kubeconfigs"]


def _kubeconfig(pki: ClusterPki, server: str, identity: Identity, *, tls: bool) -> dict[str, Any]:
    """With TLS: the CA and the identity's client certificate; without, no credentials
    (kubectl sends none over plain HTTP)."""
    if not tls:
        return make_kubeconfig(server, namespace="default")
    pair = pki.client(identity)
    return make_kubeconfig(
        server,
        namespace="default",
        ca_data=pki.ca.cert_pem,
        client_cert_data=pair.cert_pem,
        client_key_data=pair.key_pem,
    )


def write_kubeconfigs(
    pki: ClusterPki,
    data_dir: Path,
    server: str,
    node_names: Iterable[str],
    admin_path: Path,
    *,
    tls: bool = True,
) -> None:
    """Write every component's kubeconfig, then the admin one at ``admin_path``."""
    directory = data_dir / KUBECONFIGS_DIR
    identities = [*COMPONENT_IDENTITIES, *(kubelet_identity(n) for n in node_names)]
    for identity in identities:
        doc = _kubeconfig(pki, server, identity, tls=tls)
        write_kubeconfig(directory / f"{identity.file}.conf", doc)
    write_kubeconfig(admin_path, _kubeconfig(pki, server, ADMIN, tls=tls))
