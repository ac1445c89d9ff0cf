"""The pod lifecycle event generator, as upstream's generic PLEG: one relist of the runtime's
sandboxes and containers per period, grouped by pod uid; a pod whose runtime state changed
wakes its worker. Workers read their pod's state here instead of asking the runtime."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

import attrs

from microkube.contracts.runtime import (
    ContainerRuntime,
    ContainerStatus,
    NotFoundError,
    PodSandboxStatus,
    RuntimeError_,
)

__all__ = ["POD_UID_LABEL", "Pleg", "PodRuntime"]

log = logging.getLogger(__name__)

POD_NAME_LABEL = "io.kubernetes.pod.name"
POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
POD_UID_LABEL = "io.kubernetes.pod.uid"
CONTAINER_NAME_LABEL = "io.kubernetes.container.name"


@attrs.frozen
class PodRuntime:
    """One pod's sandboxes (newest first) and all their containers."""

    sandboxes: tuple[PodSandboxStatus, ...] = ()
    containers: tuple[ContainerStatus, ...] = ()

    @property
    def sandbox(self) -> PodSandboxStatus | None:
        return self.sandboxes[0] if self.sandboxes else None

    def attempts(self, name: str) -> list[ContainerStatus]:
        """The containers named ``name``, newest attempt first."""
        found = [c for c in self.containers if c.name == name]
        return sorted(found, key=lambda c: (c.attempt, c.created_at_ns), reverse=True)

    def signature(self) -> tuple[object, ...]:
        return (
            tuple((s.id, s.state, s.ip) for s in self.sandboxes),
            tuple(sorted((c.id, c.state.value, c.exit_code) for c in self.containers)),
        )


def _group(
    sandboxes: Iterable[PodSandboxStatus], containers: Iterable[ContainerStatus]
) -> dict[str, PodRuntime]:
    by_sandbox: dict[str, list[ContainerStatus]] = {}
    for container in containers:
        by_sandbox.setdefault(container.sandbox_id, []).append(container)
    pods: dict[str, list[PodSandboxStatus]] = {}
    for sandbox in sandboxes:
        uid = sandbox.uid or sandbox.labels.get(POD_UID_LABEL, "")
        if uid:
            pods.setdefault(uid, []).append(sandbox)
    return {
        uid: PodRuntime(
            sandboxes=tuple(sorted(found, key=lambda s: s.created_at_ns, reverse=True)),
            containers=tuple(c for s in found for c in by_sandbox.get(s.id, ())),
        )
        for uid, found in pods.items()
    }


class Pleg:
    def __init__(
        self, runtime: ContainerRuntime, period: float, notify: Callable[[str], None]
    ) -> None:
        self.runtime = runtime
        self.period = period
        self._notify = notify
        self.pods: dict[str, PodRuntime] = {}
        self._signatures: dict[str, tuple[object, ...]] = {}
        #: time.monotonic() of the last successful relist (0: never)
        self.last_relist = 0.0
        self.relisted = asyncio.Event()

    def pod(self, uid: str) -> PodRuntime:
        return self.pods.get(uid) or PodRuntime()

    async def relist(self) -> None:
        sandboxes = await self.runtime.list_pod_sandboxes()
        containers = await self.runtime.list_containers()
        fresh = _group(sandboxes, containers)
        changed = [
            uid for uid in fresh.keys() | self.pods.keys() if self._changed(uid, fresh.get(uid))
        ]
        self.pods = fresh
        self.last_relist = time.monotonic()
        self.relisted.set()
        for uid in changed:
            self._notify(uid)

    def _changed(self, uid: str, state: PodRuntime | None) -> bool:
        signature = state.signature() if state is not None else None
        if self._signatures.get(uid) == signature:
            return False
        if signature is None:
            self._signatures.pop(uid, None)
        else:
            self._signatures[uid] = signature
        return True

    async def refresh(self, uid: str, sandbox_ids: Iterable[str] = ()) -> PodRuntime:
        """Re-read one pod now (after the worker acted), without waiting for the relist."""
        ids = list(dict.fromkeys([*sandbox_ids, *(s.id for s in self.pod(uid).sandboxes)]))
        sandboxes: list[PodSandboxStatus] = []
        containers: list[ContainerStatus] = []
        for sandbox_id in ids:
            try:
                sandboxes.append(await self.runtime.pod_sandbox_status(sandbox_id))
                containers += await self.runtime.list_containers(sandbox_id)
            except NotFoundError:
                continue
        state = _group(sandboxes, containers).get(uid, PodRuntime())
        if state.sandboxes:
            self.pods[uid] = state
        else:
            self.pods.pop(uid, None)
        self._signatures[uid] = state.signature()
        return state

    async def run(self) -> None:
        while True:
            try:
                await self.relist()
            except (RuntimeError_, OSError) as exc:
                log.warning("relisting the runtime failed: %s", exc)
            await asyncio.sleep(self.period)

    def healthy(self, threshold: float = 180.0) -> tuple[bool, str]:
        """Upstream's PLEG health check (relisted within 3 minutes)."""
        if not self.last_relist:
            return False, "PLEG has not relisted yet"
        age = time.monotonic() - self.last_relist
        if age > threshold:
            return False, f"PLEG is not healthy: pleg was last seen active {age:.0f}s ago"
        return True, ""
