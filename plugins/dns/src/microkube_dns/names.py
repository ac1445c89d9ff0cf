"""What a name inside the cluster zone asks for, as CoreDNS's kubernetes plugin parses it.

``<svc>.<ns>.svc.<zone>``, ``<endpoint>.<svc>.<ns>.svc.<zone>``,
``_<port>._<proto>.<svc>.<ns>.svc.<zone>`` and ``<dashed-ip>.<ns>.pod.<zone>``; shorter names
(the apex, ``svc.<zone>``, ``<ns>.svc.<zone>``) exist without records; anything else does not.
"""

from __future__ import annotations

import attrs
import dns.name

__all__ = ["POD", "SVC", "ClusterName", "InvalidName", "parse_cluster_name"]

SVC = "svc"
POD = "pod"


class InvalidName(ValueError):
    """A name in the zone that cannot exist (answered NXDOMAIN)."""


@attrs.frozen
class ClusterName:
    """The parts of a name in the zone; empty strings for parts the name does not have.
    ``kind`` is ``""`` for the apex, else ``svc`` or ``pod``."""

    kind: str = ""
    namespace: str = ""
    service: str = ""
    endpoint: str = ""
    port: str = ""
    protocol: str = ""


def parse_cluster_name(name: dns.name.Name, zone: dns.name.Name) -> ClusterName:
    """Split ``name`` (a subdomain of ``zone``) into its parts; InvalidName when it cannot
    name anything."""
    relative = name.relativize(zone)
    labels = [label.decode("ascii", "replace").lower() for label in relative.labels]
    if not labels or labels == ["@"]:
        return ClusterName()
    *rest, kind = labels
    if kind not in (SVC, POD):
        raise InvalidName(f"{name}: not a svc or pod name")
    if not rest:
        return ClusterName(kind)
    *rest, namespace = rest
    if not rest:
        return ClusterName(kind, namespace)
    *rest, service = rest
    if not rest:
        return ClusterName(kind, namespace, service)
    if len(rest) == 1:
        return ClusterName(kind, namespace, service, endpoint=rest[0])
    if len(rest) == 2:
        port, protocol = (label.removeprefix("_") for label in rest)
        return ClusterName(kind, namespace, service, port=port, protocol=protocol)
    raise InvalidName(f"{name}: too many labels")
