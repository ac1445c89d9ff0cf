"""Lifecycle notifications for observers (any entry-point group may implement them).

These are called rarely (start, stop) through ``pm.hook``; nothing on a hot path is a hook.
Return values are ignored.
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.component import Component
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_configure(config: Any) -> None:
    """Called once after plugins are loaded and the configuration is validated."""


@hookspec
def microkube_component_started(component: Component) -> None:
    """Called after a component's ``start()`` returned."""


@hookspec
def microkube_component_stopping(component: Component) -> None:
    """Called before a component's ``stop()`` is awaited."""
