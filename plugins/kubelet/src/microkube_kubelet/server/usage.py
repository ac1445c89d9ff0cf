"""Resource usage samples of a pod and its containers (what the stats endpoints report)."""

from __future__ import annotations

import attrs

from microkube_kubelet.server.directory import PodRef


@attrs.frozen(kw_only=True)
class ContainerUsage:
    name: str
    start_ns: int
    time_ns: int
    cpu_core_ns: int
    nano_cores: int | None
    working_set_bytes: int


@attrs.frozen(kw_only=True)
class PodUsage:
    pod: PodRef
    start_ns: int
    containers: tuple[ContainerUsage, ...]
