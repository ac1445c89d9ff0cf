"""The component contract: a long-running part of the cluster (API server, scheduler, ...).

``microkube up`` starts the selected components in order and stops them in reverse order on
SIGINT/SIGTERM. ``start`` returns once the component serves (the API server listens, a
controller manager has synced its informers); ``stop`` returns once it has released everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class ComponentContext:
    """What a component factory gets. ``registry`` is the loaded plugin registry, through which
    a component builds the backends configuration selects (storage, runtime, ...)."""

    name: str
    data_dir: Path
    config: Any
    registry: Any
    options: Mapping[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Component(Protocol):
    @property
    def name(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@attrs.frozen(kw_only=True)
class ComponentSpec:
    """A registered component. Components start in ascending ``order`` (the API server first)."""

    factory: Callable[[ComponentContext], Component]
    order: int = 100
    description: str = ""
