"""Probe workers of one pod, as upstream's ``prober/worker.go``: one task per (container,
probe kind) that waits ``initialDelaySeconds`` after the container started, then probes every
``periodSeconds`` and flips the result after ``successThreshold`` successes or
``failureThreshold`` failures. Liveness and readiness wait for a startup probe to succeed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from microkube_kubelet.prober import ProbeOutcome, Prober, ProbeTarget

__all__ = ["KINDS", "PodProbes"]

log = logging.getLogger(__name__)

#: probe kind -> (spec field, event word)
KINDS = {
    "liveness": ("livenessProbe", "Liveness"),
    "readiness": ("readinessProbe", "Readiness"),
    "startup": ("startupProbe", "Startup"),
}

#: (kind, container name, result, outcome) -> None
ResultHandler = Callable[[str, str, bool, ProbeOutcome], None]


class _Worker:
    def __init__(
        self,
        kind: str,
        probe: Mapping[str, Any],
        target: ProbeTarget,
        started_at: float,
        owner: PodProbes,
    ) -> None:
        self.kind = kind
        self.probe = probe
        self.target = target
        self.started_at = started_at
        self.owner = owner
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        name = self.target.container.get("name", "")
        period = max(1.0, float(self.probe.get("periodSeconds") or 10))
        delay = float(self.probe.get("initialDelaySeconds") or 0)
        success_needed = max(1, int(self.probe.get("successThreshold") or 1))
        failure_needed = max(1, int(self.probe.get("failureThreshold") or 3))
        wait = self.started_at + delay - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        successes = failures = 0
        while True:
            if self.kind != "startup" and not self.owner.started(name):
                await asyncio.sleep(min(period, 1.0))
                continue
            outcome = await self.owner.prober.run(self.probe, self.target)
            if outcome.success:
                successes, failures = successes + 1, 0
                if successes >= success_needed:
                    self.owner.report(self.kind, name, True, outcome)
                    if self.kind == "startup":
                        return  # startup probes stop once they succeed
            else:
                failures, successes = failures + 1, 0
                self.owner.failed_once(self.kind, name, outcome)
                if failures >= failure_needed:
                    self.owner.report(self.kind, name, False, outcome)
                    if self.kind in ("liveness", "startup"):
                        return  # the container is restarted: a new worker follows it
            await asyncio.sleep(period)


class PodProbes:
    """The probe workers and results of one pod's containers."""

    def __init__(self, prober: Prober, on_result: ResultHandler, on_failure: ResultHandler) -> None:
        self.prober = prober
        self._on_result = on_result
        self._on_failure = on_failure
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._container_ids: dict[str, str] = {}
        #: container name -> readiness / startup result for its current container id
        self.ready: dict[str, bool] = {}
        self.startup: dict[str, bool] = {}
        #: container name -> container id whose liveness or startup probe failed
        self.unhealthy: dict[str, str] = {}

    def started(self, name: str) -> bool:
        return self.startup.get(name, True)

    def report(self, kind: str, name: str, result: bool, outcome: ProbeOutcome) -> None:
        changed = False
        if kind == "readiness":
            changed = self.ready.get(name) != result
            self.ready[name] = result
        elif kind == "startup":
            changed = self.startup.get(name) != result
            self.startup[name] = result
            if not result:
                self.unhealthy[name] = self._container_ids.get(name, "")
        elif not result:
            self.unhealthy[name] = self._container_ids.get(name, "")
            changed = True
        if changed:
            self._on_result(kind, name, result, outcome)

    def failed_once(self, kind: str, name: str, outcome: ProbeOutcome) -> None:
        self._on_failure(kind, name, False, outcome)

    def track(
        self,
        container: Mapping[str, Any],
        container_id: str,
        started_at: float,
        sandbox_id: str,
        pod_ip: str,
    ) -> None:
        """Probe ``container`` (running as ``container_id``); a new id restarts its workers."""
        name = container.get("name", "")
        if self._container_ids.get(name) == container_id:
            return
        self.forget(name)
        self._container_ids[name] = container_id
        if "readinessProbe" in container:
            self.ready[name] = False
        if "startupProbe" in container:
            self.startup[name] = False
        target = ProbeTarget(
            container=container, container_id=container_id, sandbox_id=sandbox_id, pod_ip=pod_ip
        )
        for kind, (field, _) in KINDS.items():
            probe = container.get(field)
            if probe:
                worker = _Worker(kind, probe, target, started_at, self)
                worker.task = asyncio.create_task(worker.run(), name=f"probe {kind} {name}")
                self._workers[(name, kind)] = worker

    def forget(self, name: str) -> None:
        """Stop probing ``name`` (its container stopped)."""
        for kind in KINDS:
            worker = self._workers.pop((name, kind), None)
            if worker is not None and worker.task is not None:
                worker.task.cancel()
        self._container_ids.pop(name, None)
        self.ready.pop(name, None)
        self.startup.pop(name, None)
        self.unhealthy.pop(name, None)

    def stop(self) -> None:
        for name in list(self._container_ids):
            self.forget(name)
