"""The scheduling framework contract, as kube-scheduler's.

A scheduling cycle runs, for one pod: PreFilter → Filter (per node) → PostFilter (only when no
node fits) → PreScore → Score (per node) → NormalizeScore → Reserve → Permit; the binding cycle
then runs PreBind → Bind → PostBind. Each extension point is one small Protocol; a plugin
implements any subset and is enabled, disabled and weighted by the scheduler profile.

Pods and nodes are ``microkube.api`` objects (typed ``Any`` here so the contract layer stays
free of the model layer). Filter/Score run per node on the hot path and are synchronous; the
points that may talk to the API server are coroutines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import IntEnum
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import attrs

MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0

T = TypeVar("T")


class Code(IntEnum):
    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    PENDING = 6


@attrs.frozen
class Status:
    """The one result type of every extension point. ``Status()`` is success."""

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @classmethod
    def unschedulable(cls, *reasons: str, resolvable: bool = True, plugin: str = "") -> Status:
        code = Code.UNSCHEDULABLE if resolvable else Code.UNSCHEDULABLE_AND_UNRESOLVABLE
        return cls(code, reasons, plugin)

    @classmethod
    def error(cls, *reasons: str, plugin: str = "") -> Status:
        return cls(Code.ERROR, reasons, plugin)

    def is_success(self) -> bool:
        return self.code is Code.SUCCESS

    def is_rejected(self) -> bool:
        return self.code in (
            Code.UNSCHEDULABLE,
            Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
            Code.PENDING,
        )

    def message(self) -> str:
        return ", ".join(self.reasons)


SUCCESS = Status()


@attrs.frozen
class StateKey(Generic[T]):
    """A typed key into :class:`CycleState`; define one per plugin at module level."""

    name: str


class CycleState:
    """Per-cycle scratch space shared by a pod's extension points, keyed by :class:`StateKey`."""

    __slots__ = ("_data", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def write(self, key: StateKey[T], value: T) -> None:
        self._data[key.name] = value

    def read(self, key: StateKey[T]) -> T:
        """The value under ``key``; KeyError naming the key if nothing wrote it."""
        try:
            return self._data[key.name]
        except KeyError:
            raise KeyError(f"cycle state has no {key.name!r}") from None

    def get(self, key: StateKey[T], default: T | None = None) -> T | None:
        return self._data.get(key.name, default)

    def delete(self, key: StateKey[Any]) -> None:
        self._data.pop(key.name, None)

    def clone(self) -> CycleState:
        other = CycleState()
        other._data = dict(self._data)
        other.skip_filter_plugins = set(self.skip_filter_plugins)
        other.skip_score_plugins = set(self.skip_score_plugins)
        return other


@attrs.frozen
class NodeScore:
    name: str
    score: int


@attrs.frozen
class PreFilterResult:
    """Narrows the nodes to evaluate; ``node_names=None`` means all nodes."""

    node_names: frozenset[str] | None = None


@attrs.frozen
class PostFilterResult:
    nominated_node_name: str = ""


@runtime_checkable
class NodeInfo(Protocol):
    """A node as the scheduler's snapshot sees it: the Node, its pods (bound and assumed) and
    the sum of their requests by resource name (``cpu`` in millicores, others in base units)."""

    @property
    def node(self) -> Any: ...

    @property
    def pods(self) -> Sequence[Any]: ...

    @property
    def requested(self) -> Mapping[str, int]: ...

    @property
    def allocatable(self) -> Mapping[str, int]: ...


@runtime_checkable
class FrameworkHandle(Protocol):
    """What the framework gives plugin factories: the snapshot and the API client."""

    def node_infos(self) -> Sequence[NodeInfo]: ...

    def get_node_info(self, name: str) -> NodeInfo | None: ...

    @property
    def client(self) -> Any: ...


@runtime_checkable
class Plugin(Protocol):
    @property
    def name(self) -> str: ...


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]: ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    def filter(self, state: CycleState, pod: Any, node_info: NodeInfo) -> Status: ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    async def post_filter(
        self, state: CycleState, pod: Any, filtered: Mapping[str, Status]
    ) -> tuple[PostFilterResult | None, Status]: ...


@runtime_checkable
class PreScorePlugin(Plugin, Protocol):
    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]) -> Status: ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    def score(self, state: CycleState, pod: Any, node_info: NodeInfo) -> tuple[int, Status]: ...


@runtime_checkable
class NormalizeScorePlugin(Plugin, Protocol):
    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        """Rewrite ``scores`` in place into [MIN_NODE_SCORE, MAX_NODE_SCORE]."""


@runtime_checkable
class ReservePlugin(Plugin, Protocol):
    def reserve(self, state: CycleState, pod: Any, node_name: str) -> Status: ...

    def unreserve(self, state: CycleState, pod: Any, node_name: str) -> None: ...


@runtime_checkable
class PermitPlugin(Plugin, Protocol):
    async def permit(self, state: CycleState, pod: Any, node_name: str) -> tuple[Status, float]:
        """Allow, reject, or WAIT up to the returned number of seconds."""


@runtime_checkable
class PreBindPlugin(Plugin, Protocol):
    async def pre_bind(self, state: CycleState, pod: Any, node_name: str) -> Status: ...


@runtime_checkable
class BindPlugin(Plugin, Protocol):
    async def bind(self, state: CycleState, pod: Any, node_name: str) -> Status:
        """Bind, or return SKIP to let the next Bind plugin do it."""


@runtime_checkable
class PostBindPlugin(Plugin, Protocol):
    async def post_bind(self, state: CycleState, pod: Any, node_name: str) -> None: ...


#: ``microkube_scheduler_plugins()`` maps names to these: (typed args mapping, handle) -> plugin.
SchedulerPluginFactory = Callable[[Mapping[str, Any], FrameworkHandle], Plugin]
