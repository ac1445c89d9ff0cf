"""coordination.k8s.io/v1: Lease, the lock behind leader election and node heartbeats."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ListMeta, MicroTime, ObjectMeta

GROUP_VERSION = "coordination.k8s.io/v1"


@model
class LeaseSpec:
    holder_identity: str | None = field()
    lease_duration_seconds: int | None = field()
    acquire_time: MicroTime | None = field()
    renew_time: MicroTime | None = field()
    lease_transitions: int | None = field()
    # Coordinated leader election (alpha in 1.32): e.g. "OldestEmulationVersion".
    strategy: str | None = field()
    preferred_holder: str | None = field()


@model
class Lease:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Lease")
    metadata: ObjectMeta | None = field()
    spec: LeaseSpec | None = field()


@model
class LeaseList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="LeaseList")
    metadata: ListMeta | None = field()
    items: list[Lease] | None = field()


KINDS: tuple[type, ...] = (Lease, LeaseList)
