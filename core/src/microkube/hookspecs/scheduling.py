"""Scheduling framework plugins (entry-point group ``microkube.scheduling``)."""

from __future__ import annotations

from microkube.contracts.scheduling import SchedulerPluginFactory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_scheduler_plugins() -> dict[str, SchedulerPluginFactory]:
    """Register scheduler plugins: ``{name: factory(args, handle)}``.

    The name is what a scheduler profile enables, disables and weights (``NodeResourcesFit``).
    The factory receives the plugin's ``pluginConfig`` args (a mapping, to be structured by the
    plugin) and the :class:`~microkube.contracts.scheduling.FrameworkHandle`, and returns an
    object implementing one or more extension-point Protocols.
    """
