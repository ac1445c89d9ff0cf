"""What a scheduler plugin is given, without a scheduler: node infos and a framework handle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from microkube.testing.fakes._objects import name_of


@attrs.define(kw_only=True)
class FakeNodeInfo:
    """A :class:`~microkube.contracts.scheduling.NodeInfo`: a node, its pods and the sums of
    their requests (``cpu`` in millicores, other resources in base units)."""

    node: Any
    pods: list[Any] = attrs.field(factory=list)
    requested: dict[str, int] = attrs.field(factory=dict)
    allocatable: dict[str, int] = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        return name_of(self.node)


class FakeFrameworkHandle:
    """A :class:`~microkube.contracts.scheduling.FrameworkHandle` over a fixed snapshot."""

    def __init__(self, node_infos: Sequence[Any] = (), client: Any = None) -> None:
        self._infos = list(node_infos)
        self._client = client

    def node_infos(self) -> Sequence[Any]:
        return list(self._infos)

    def get_node_info(self, name: str) -> Any | None:
        return next((i for i in self._infos if name_of(i.node) == name), None)

    @property
    def client(self) -> Any:
        return self._client

    def replace(self, node_infos: Sequence[Any]) -> None:
        """Swap the snapshot (the next scheduling cycle sees the new one)."""
        self._infos = list(node_infos)
