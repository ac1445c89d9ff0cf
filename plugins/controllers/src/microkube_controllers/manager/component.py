"""The ``controller-manager`` component: connects to the API server, elects a leader among
the running controller managers, and runs the selected controllers while it leads.

Leadership, as kube-controller-manager's: the Lease ``kube-system/kube-controller-manager``,
identity ``<hostname>_<uuid>``. When a manager loses the lease its controllers are cancelled
(their informers and queues discarded) and it campaigns again, so at most one manager acts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid

from microkube.client.api import ApiClient
from microkube.client.connect import connect
from microkube.client.errors import ApiError
from microkube.client.events import NORMAL, EventRecorder
from microkube.client.leaderelection import LeaderElector, LeaseLock
from microkube.contracts.component import ComponentContext
from microkube_controllers.manager.options import ControllerManagerOptions, parse_options
from microkube_controllers.manager.runner import ControllerRunner
from microkube_controllers.manager.selection import select_controllers

__all__ = ["ControllerManager"]

log = logging.getLogger(__name__)


class ControllerManager:
    """Runs the controllers registered through ``microkube_controllers()``."""

    name = "controller-manager"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options: ControllerManagerOptions = parse_options(context.options)
        self.identity = f"{socket.gethostname()}_{uuid.uuid4()}"
        registrations = context.registry.registrations("microkube_controllers")
        self.factories = {name: reg.factory for name, reg in registrations.items()}
        off = [n for n, f in self.factories.items() if not getattr(f, "enabled_by_default", True)]
        self.enabled = select_controllers(self.options.controllers, self.factories, off)
        self.api: ApiClient | None = None
        self.elector: LeaderElector | None = None
        self.runner: ControllerRunner | None = None
        self.leading = asyncio.Event()
        self._settled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and begin; returns once this manager's controllers have synced their
        informers, or once another manager is seen holding the lease (bounded by the lease
        duration plus a margin)."""
        kubeconfig = {"kubeconfig": self.options.kubeconfig} if self.options.kubeconfig else {}
        self.api = await connect(self.context.data_dir, kubeconfig, identity="controller-manager")
        main = self._campaign() if self.options.leader_elect else self._lead()
        self._task = asyncio.create_task(main, name="controller-manager")
        wait = asyncio.ensure_future(self._settled.wait())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.shield(wait), self.options.leader_elect_lease_duration + 5
            )
        wait.cancel()
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.api is not None:
            await self.api.close()
            self.api = None

    # -- leading ---------------------------------------------------------------------------

    @property
    def leader(self) -> str:
        """The identity of the manager last observed leading ("" before any)."""
        if self.elector is None:
            return self.identity if self.leading.is_set() else ""
        return self.elector.leader

    async def _lead(self) -> None:
        """Run the enabled controllers until cancelled."""
        assert self.api is not None
        self.runner = ControllerRunner(
            self.api,
            {name: self.factories[name] for name in self.enabled},
            workers=self.options.workers_for,
            options=self.options.controller_options,
        )
        self.leading.set()
        if self.options.leader_elect:
            await self._announce_leadership()
        watcher = asyncio.create_task(self._settle_when_synced(self.runner))
        try:
            await self.runner.run()
        finally:
            watcher.cancel()
            self.leading.clear()
            log.info("%s: controllers stopped", self.identity)

    async def _announce_leadership(self) -> None:
        """Record ``LeaderElection`` "<identity> became leader" on the Lease, as
        kube-controller-manager does (``kubectl get events -n kube-system`` shows it)."""
        assert self.api is not None
        opts = self.options
        try:
            lease = await self.api.get(
                "leases", opts.leader_elect_resource_name, opts.leader_elect_resource_namespace
            )
        except ApiError as exc:
            log.info("%s: cannot read the lease to announce leadership: %s", self.identity, exc)
            return
        recorder = EventRecorder(self.api, "kube-controller-manager")
        recorder.start()
        lease = {**lease, "kind": "Lease", "apiVersion": "coordination.k8s.io/v1"}
        recorder.event(lease, NORMAL, "LeaderElection", f"{self.identity} became leader")
        await recorder.stop(flush=2.0)

    async def _settle_when_synced(self, runner: ControllerRunner) -> None:
        await runner.synced.wait()
        self._settled.set()

    def _observed_leader(self, identity: str) -> None:
        log.info("%s: the leader is now %s", self.identity, identity or "nobody")
        if identity and identity != self.identity:
            self._settled.set()

    async def _campaign(self) -> None:
        """Campaign, lead while holding the lease, and campaign again after losing it."""
        assert self.api is not None
        opts = self.options
        while True:
            lock = LeaseLock(
                self.api,
                opts.leader_elect_resource_namespace,
                opts.leader_elect_resource_name,
                self.identity,
            )
            self.elector = LeaderElector(
                lock,
                on_started_leading=self._lead,
                on_new_leader=self._observed_leader,
                lease_duration=opts.leader_elect_lease_duration,
                renew_deadline=opts.leader_elect_renew_deadline,
                retry_period=opts.leader_elect_retry_period,
                release_on_cancel=True,
                name=f"controller-manager {self.identity}",
            )
            await self.elector.run()
            log.warning("%s: leader election lost; campaigning again", self.identity)
            await asyncio.sleep(opts.leader_elect_retry_period)
