"""The ``scheduler`` component: connects to the API server, watches nodes and pods (and what
the default plugins consult: namespaces, services, replication controllers, replica sets,
stateful sets) through shared informers, and runs the :class:`Scheduler`."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Mapping
from typing import Any

from microkube.client.connect import connect
from microkube.client.events import EventRecorder
from microkube.client.informer import SharedInformerFactory
from microkube.client.leaderelection import LeaderElector, LeaseLock
from microkube.contracts.component import ComponentContext
from microkube_scheduler.config import load_configuration
from microkube_scheduler.handle import LOOKUP_RESOURCES, served
from microkube_scheduler.scheduler import COMPONENT, Scheduler

log = logging.getLogger(__name__)

SCHEDULING_GROUP = "microkube.scheduling"
SCHEDULING_HOOK = "microkube_scheduler_plugins"
#: How long start() waits for the API server and the informers' first lists.
START_WITHIN = 60.0


def plugin_factories(registry: Any, config: Any = None) -> dict[str, Any]:
    """Every installed scheduling plugin by name (loading the ``microkube.scheduling`` group
    when the registry given was loaded without it)."""
    if not any(SCHEDULING_GROUP in p.groups for p in registry.plugins):
        from microkube.plugins import load_plugins

        plugins = getattr(config, "plugins", None)
        registry = load_plugins(
            [SCHEDULING_GROUP],
            allow=getattr(plugins, "allow", None),
            block=getattr(plugins, "block", ()),
        )
    return {name: reg.factory for name, reg in registry.registrations(SCHEDULING_HOOK).items()}


class SchedulerComponent:
    name = "scheduler"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options: Mapping[str, Any] = context.options
        self.configuration = load_configuration(self.options)
        self.factories = plugin_factories(context.registry, context.config)
        self.api: Any = None
        self.recorder: EventRecorder | None = None
        self.informers: SharedInformerFactory | None = None
        self.scheduler: Scheduler | None = None
        self._campaign: asyncio.Task[None] | None = None
        #: this candidate's identity in leader election (host name and a random part)
        self.identity = f"{socket.gethostname()}_{uuid.uuid4()}"

    async def start(self) -> None:
        parallelism = self.configuration.parallelism
        self.api = await connect(
            self.context.data_dir,
            self.options,
            identity="scheduler",
            within=START_WITHIN,
            max_idle=parallelism + 4,
        )
        try:
            self.recorder = EventRecorder(self.api, COMPONENT)
            scheduler = Scheduler(
                self.api, self.configuration, self.factories, recorder=self.recorder
            )
            self.scheduler = scheduler
            self.informers = factory = SharedInformerFactory(self.api)
            nodes = factory.informer("nodes")
            pods = factory.informer("pods")
            lookups = scheduler.lookups
            for attribute, resource in LOOKUP_RESOURCES:
                if await served(self.api, resource):
                    setattr(lookups, attribute, factory.informer(resource).store)
            nodes.add_event_handler(
                scheduler.on_node_add, scheduler.on_node_update, scheduler.on_node_delete
            )
            pods.add_event_handler(
                scheduler.on_pod_add, scheduler.on_pod_update, scheduler.on_pod_delete
            )
            self.recorder.start()
            factory.start()
            async with asyncio.timeout(START_WITHIN):
                await factory.wait_for_cache_sync()
                await nodes.wait_for_handlers()
            if self.configuration.leader_election.leader_elect:
                self._campaign = asyncio.create_task(self._elect(), name="scheduler election")
            else:
                scheduler.start()
        except BaseException:
            await self.stop()
            raise
        log.info("scheduler started with profiles %s", ", ".join(scheduler.frameworks))

    async def _elect(self) -> None:
        """Campaign for the Lease; schedule only while holding it; campaign again after
        losing it (upstream exits instead; here the component keeps its caches)."""
        election = self.configuration.leader_election
        lease, renew, retry = election.seconds()
        while True:
            lock = LeaseLock(
                self.api, election.resource_namespace, election.resource_name, self.identity
            )
            elector = LeaderElector(
                lock,
                on_started_leading=self._lead,
                lease_duration=lease,
                renew_deadline=renew,
                retry_period=retry,
                release_on_cancel=True,
                name=f"scheduler {self.identity}",
            )
            await elector.run()
            log.warning("%s: leader election lost; campaigning again", self.identity)
            await asyncio.sleep(retry)

    async def _lead(self) -> None:
        scheduler = self.scheduler
        if scheduler is None:
            return
        log.info("%s: leading; scheduling", self.identity)
        scheduler.start()
        try:
            await asyncio.Event().wait()  # until leadership ends (this task is cancelled)
        finally:
            await scheduler.pause()

    async def stop(self) -> None:
        if self._campaign is not None:
            self._campaign.cancel()
            await asyncio.gather(self._campaign, return_exceptions=True)
            self._campaign = None
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.informers is not None:
            await self.informers.shutdown()
        if self.recorder is not None:
            await self.recorder.stop()
        if self.api is not None:
            await self.api.close()
        self.scheduler = self.informers = self.recorder = self.api = None
