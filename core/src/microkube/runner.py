"""Runs components: start in order, wait for SIGINT/SIGTERM, stop in reverse order."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from microkube.config import Config
from microkube.contracts.component import Component, ComponentContext, ComponentSpec
from microkube.plugins import PluginRegistry, SelectionError


class NoComponentsError(SelectionError):
    """Nothing to run: no component plugin is installed (or all are disabled)."""


def choose_components(
    registry: PluginRegistry, config: Config, names: list[str] | None = None
) -> list[tuple[str, ComponentSpec]]:
    """The components to run, in start order."""
    table = registry.registrations("microkube_components")
    if not table:
        raise NoComponentsError(
            "no components installed (component plugins register in the "
            "'microkube.components' entry-point group; see `microkube plugins`)"
        )
    wanted = names or (list(config.components) if config.components is not None else list(table))
    for name in wanted:
        registry.select("microkube_components", name, what="component")
    chosen = [n for n in wanted if n not in config.disabled_components]
    if not chosen:
        raise NoComponentsError("every installed component is disabled by the configuration")
    specs = [(name, table[name].factory) for name in chosen]
    return sorted(specs, key=lambda item: item[1].order)


async def run_components(
    registry: PluginRegistry,
    config: Config,
    data_dir: Path,
    *,
    names: list[str] | None = None,
    stop: asyncio.Event | None = None,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Notify ``microkube_configure``, start the chosen components and keep them running until
    ``stop`` is set (by default, until SIGINT or SIGTERM); then stop them in reverse order.
    ``on_started`` is called once every component has started.
    If one fails to start, those already started are stopped before the error propagates."""
    chosen = choose_components(registry, config, names)
    stop = stop or _stop_on_signals()
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    hook = registry.pm.hook
    hook.microkube_configure(config=config)
    started: list[Component] = []
    try:
        for name, spec in chosen:
            context = ComponentContext(
                name=name,
                data_dir=data_dir,
                config=config,
                registry=registry,
                options=config.options.get(name, {}),
            )
            component = spec.factory(context)
            await component.start()
            started.append(component)
            hook.microkube_component_started(component=component)
        if on_started is not None:
            on_started()
        await stop.wait()
    finally:
        for component in reversed(started):
            hook.microkube_component_stopping(component=component)
            await component.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
