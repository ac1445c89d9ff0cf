"""What the pod worker knows of each container, as the :class:`ContainerView`s the status
is generated from: the latest two attempts, the waiting reason the worker set, readiness and
startedness from the probes (a native sidecar is ready by its probes, a regular init container
once it exited 0), and ``FallbackToLogsOnError`` termination messages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from microkube.contracts.runtime import ContainerState, ContainerStatus
from microkube_kubelet.logs import log_tail_message
from microkube_kubelet.pleg import PodRuntime
from microkube_kubelet.pod_status import ContainerView
from microkube_kubelet.podutil import is_sidecar
from microkube_kubelet.probes import PodProbes

__all__ = ["ContainerViews"]


class ContainerViews:
    """Builds one pod's views; remembers fallback messages by container id."""

    def __init__(self, pod_dir: Path) -> None:
        self.pod_dir = pod_dir
        self._messages: dict[str, str] = {}

    def with_message(
        self, container: Mapping[str, Any], status: ContainerStatus
    ) -> ContainerStatus:
        """A failed container without a message gets the end of its log, read once, when its
        ``terminationMessagePolicy`` is ``FallbackToLogsOnError``."""
        if (
            status.state is not ContainerState.EXITED
            or status.exit_code == 0
            or status.message
            or container.get("terminationMessagePolicy") != "FallbackToLogsOnError"
        ):
            return status
        if status.id not in self._messages:
            log = (
                Path(status.log_path)
                if status.log_path
                else self.pod_dir / status.name / f"{status.attempt}.log"
            )
            self._messages[status.id] = log_tail_message(log)
        return attrs.evolve(status, message=self._messages[status.id])

    def build(
        self,
        pod: Mapping[str, Any],
        state: PodRuntime,
        probes: PodProbes,
        waiting: Mapping[str, tuple[str, str]],
    ) -> tuple[list[ContainerView], list[ContainerView]]:
        """(init container views, app container views)."""
        spec = pod.get("spec") or {}
        init_views = [
            self._view(c, state, probes, waiting, init=True)
            for c in spec.get("initContainers") or ()
        ]
        views = [
            self._view(c, state, probes, waiting, init=False) for c in spec.get("containers") or ()
        ]
        return init_views, views

    def _view(
        self,
        container: Mapping[str, Any],
        state: PodRuntime,
        probes: PodProbes,
        waiting: Mapping[str, tuple[str, str]],
        *,
        init: bool,
    ) -> ContainerView:
        name = container.get("name", "")
        attempts = [self.with_message(container, s) for s in state.attempts(name)[:2]]
        current = attempts[0] if attempts else None
        running = current is not None and current.state is ContainerState.RUNNING
        if init and not is_sidecar(container):
            started = running
            ready = (
                current is not None
                and current.state is ContainerState.EXITED
                and current.exit_code == 0
            )
        else:
            started = running and probes.startup.get(name, "startupProbe" not in container)
            ready = started and probes.ready.get(name, "readinessProbe" not in container)
        return ContainerView(
            name=name,
            image=container.get("image", ""),
            current=current,
            previous=attempts[1] if len(attempts) > 1 else None,
            waiting=None if running else waiting.get(name),
            ready=bool(ready),
            started=bool(started),
        )
