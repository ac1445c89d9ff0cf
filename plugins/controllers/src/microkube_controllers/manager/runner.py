"""Running a set of controllers: one shared informer factory, each controller in its own task.

A controller that fails is logged and restarted after a pause (with fresh state), so one
buggy controller does not take the others down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.informer import SharedInformerFactory
from microkube.contracts.controller import Controller, ControllerContext

__all__ = ["ControllerRunner"]

log = logging.getLogger(__name__)

#: Seconds before a controller whose run failed is started again.
RESTART_DELAY = 5.0


class ControllerRunner:
    """Builds the named controllers over one informer factory and runs them until cancelled.

    ``synced`` is set once every informer the controllers asked for has listed.
    """

    def __init__(
        self,
        api: ApiClient,
        factories: Mapping[str, Callable[[ControllerContext], Controller]],
        *,
        workers: Callable[[str], int],
        options: Mapping[str, Any],
    ) -> None:
        self.api = api
        self.factories = dict(factories)
        self.workers = workers
        self.options = options
        self.synced = asyncio.Event()
        self.controllers: dict[str, Controller] = {}

    def _build(self, name: str, informers: SharedInformerFactory) -> Controller:
        context = ControllerContext(client=self.api, informers=informers, options=self.options)
        return self.factories[name](context)

    async def run(self) -> None:
        informers = SharedInformerFactory(self.api)
        try:
            for name in self.factories:
                try:
                    self.controllers[name] = self._build(name, informers)
                except Exception:
                    log.exception("controller %s failed to start; it does not run", name)
            informers.start()
            await informers.wait_for_cache_sync()
            self.synced.set()
            log.info("started controllers: %s", ", ".join(self.controllers) or "none")
            async with asyncio.TaskGroup() as group:
                for name in self.controllers:
                    group.create_task(
                        self._keep_running(name, informers), name=f"controller {name}"
                    )
        finally:
            await informers.shutdown()

    async def _keep_running(self, name: str, informers: SharedInformerFactory) -> None:
        controller = self.controllers[name]
        while True:
            try:
                await controller.run(self.workers(name))
                log.warning("controller %s returned; starting it again", name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "controller %s failed; starting it again in %.0fs", name, RESTART_DELAY
                )
            await asyncio.sleep(RESTART_DELAY)
            controller = self.controllers[name] = self._build(name, informers)
            informers.start()
