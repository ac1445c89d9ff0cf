"""What the kubelet's HTTPS server needs to know of the pods the kubelet runs.

The kubelet (its pod workers) implements :class:`PodDirectory`; the server (logs, exec,
attach, port-forward, stats) only reads through it, so the two halves meet here and nowhere
else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class ContainerRef:
    """One container attempt of a pod: its runtime id and its CRI-format log file."""

    name: str
    container_id: str
    log_path: Path
    running: bool


@attrs.frozen(kw_only=True)
class PodRef:
    """A pod the kubelet runs: identity, sandbox, and its containers' current attempts."""

    namespace: str
    name: str
    uid: str
    sandbox_id: str
    containers: Mapping[str, ContainerRef] = attrs.field(factory=dict)


@runtime_checkable
class PodDirectory(Protocol):
    def find_pod(self, namespace: str, name: str) -> PodRef | None:
        """The pod by namespace and name, if this kubelet runs it."""

    def find_container(
        self, namespace: str, pod: str, container: str, *, previous: bool = False
    ) -> ContainerRef | None:
        """The container's current attempt, or (``previous``) the attempt before it."""

    def pods(self) -> Sequence[PodRef]:
        """Every pod this kubelet runs (for ``/stats/summary`` and ``/pods``)."""
