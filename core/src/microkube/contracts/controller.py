"""The controller contract: one reconcile loop run by the controller manager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class ControllerContext:
    """``client`` is a ``microkube.client`` API client; ``informers`` the shared informer
    factory, so controllers watching the same kind share one watch."""

    client: Any
    informers: Any
    options: Any = None


@runtime_checkable
class Controller(Protocol):
    @property
    def name(self) -> str: ...

    async def run(self, workers: int) -> None:
        """Reconcile until cancelled."""


ControllerFactory = Callable[[ControllerContext], Controller]
