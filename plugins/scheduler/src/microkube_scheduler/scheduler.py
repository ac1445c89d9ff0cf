"""The scheduler: pops pods from the scheduling queue, runs the profile's framework against
the cache, assumes the chosen node and binds in the background; reports failures as
``FailedScheduling`` events and the ``PodScheduled=False`` condition, as kube-scheduler.

The informer handlers (``on_pod_*``, ``on_node_*``) take Kubernetes JSON dicts and keep the
cache and the queue current; a cluster event moves the unschedulable pods it may help.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from microkube.api import StructureError, from_dict_lenient
from microkube.api.core_v1 import Node, Pod
from microkube.client.errors import ApiError, NotFoundError, TransportError
from microkube.client.store import DeletedFinalStateUnknown
from microkube.contracts.scheduling import CycleState, Status
from microkube_scheduler import queue as q
from microkube_scheduler.cache import SchedulerCache
from microkube_scheduler.config import DEFAULT_SCHEDULER_NAME, KubeSchedulerConfiguration
from microkube_scheduler.fit_error import FitError
from microkube_scheduler.framework import Framework
from microkube_scheduler.handle import ClusterLookups, SchedulerHandle
from microkube_scheduler.metrics import Metrics
from microkube_scheduler.nominator import Nominator
from microkube_scheduler.permit import WaitingPods
from microkube_scheduler.podinfo import PodInfo, assumed_on
from microkube_scheduler.queue import QueuedPodInfo, SchedulingQueue

log = logging.getLogger(__name__)

COMPONENT = "default-scheduler"
TERMINAL_PHASES = ("Succeeded", "Failed")
UNSCHEDULABLE_REASON = "Unschedulable"
ERROR_REASON = "SchedulerError"
#: How often backoff and long-unschedulable pods are checked (upstream: 1 s and 30 s).
FLUSH_BACKOFF_EVERY = 1.0
FLUSH_UNSCHEDULABLE_EVERY = 30.0


def pod_reference(pod: Any) -> dict[str, Any]:
    """The dict an Event about ``pod`` needs (kind, apiVersion, metadata)."""
    meta = pod.metadata
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": meta.name,
            "namespace": meta.namespace,
            "uid": meta.uid or "",
            "resourceVersion": meta.resource_version or "",
        },
    }


def _obj(value: Any) -> dict[str, Any] | None:
    if isinstance(value, DeletedFinalStateUnknown):
        return value.obj
    return value


def _key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Scheduler:
    def __init__(
        self,
        client: Any,
        config: KubeSchedulerConfiguration,
        factories: Mapping[str, Any],
        *,
        recorder: Any = None,
    ) -> None:
        self.client = client
        self.config = config
        self.recorder = recorder
        self.cache = SchedulerCache()
        self.queue = SchedulingQueue(
            initial_backoff=config.pod_initial_backoff_seconds,
            max_backoff=config.pod_max_backoff_seconds,
        )
        self.nominator = Nominator()
        self.waiting_pods = WaitingPods()
        self.lookups = ClusterLookups()
        self.metrics = Metrics()
        self.frameworks: dict[str, Framework] = {}
        for profile in config.profiles:
            handle = SchedulerHandle(
                self.cache,
                client,
                nominator=self.nominator,
                waiting_pods=self.waiting_pods,
                recorder=recorder,
                lookups=self.lookups,
            )
            framework = Framework.build(
                profile, factories, handle, config.percentage_of_nodes_to_score
            )
            framework.metrics = self.metrics
            handle.framework = framework
            self.frameworks[profile.scheduler_name] = framework
        self._bind_slots = asyncio.Semaphore(config.parallelism)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[Any]] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Run the scheduling loop (idempotent)."""
        if self._loops:
            return
        self._loops = [
            asyncio.create_task(self.run(), name="scheduler loop"),
            asyncio.create_task(self._flush_loop(), name="scheduler queue flush"),
        ]

    async def pause(self) -> None:
        """Stop scheduling (leadership lost) but keep the cache and queue current."""
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []

    async def stop(self) -> None:
        self.queue.close()
        await self.pause()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_loop(self) -> None:
        last_unschedulable = time.monotonic()
        while True:
            await asyncio.sleep(FLUSH_BACKOFF_EVERY)
            self.queue.flush_backoff()
            if time.monotonic() - last_unschedulable >= FLUSH_UNSCHEDULABLE_EVERY:
                self.queue.flush_unschedulable_leftover()
                last_unschedulable = time.monotonic()

    # -- informer handlers ------------------------------------------------------------------

    def responsible_for(self, pod: Any) -> bool:
        return (pod.spec.scheduler_name or DEFAULT_SCHEDULER_NAME) in self.frameworks

    @staticmethod
    def _to_pod(obj: Mapping[str, Any]) -> Any | None:
        try:
            return from_dict_lenient(dict(obj), Pod)[0]
        except StructureError as exc:
            log.warning("ignoring pod %s the scheduler cannot read: %s", _key(obj), exc)
            return None

    def on_pod_add(self, obj: Mapping[str, Any]) -> None:
        pod = self._to_pod(obj)
        if pod is None:
            return
        phase = pod.status.phase if pod.status is not None else None
        if pod.spec.node_name:
            if phase in TERMINAL_PHASES:
                return
            info = PodInfo(pod)
            self.queue.delete(info.key)
            self.nominator.remove(info.key)
            self.cache.add_pod(info)
            self.queue.move_all(q.ASSIGNED_POD_ADD)
            return
        if phase in TERMINAL_PHASES or not self.responsible_for(pod):
            return
        if pod.metadata.deletion_timestamp is not None or pod.spec.scheduling_gates:
            return  # gated pods wait outside the queue (upstream's SchedulingGates)
        info = PodInfo(pod)
        self.queue.add(info)
        nominated = pod.status.nominated_node_name if pod.status is not None else None
        if nominated:
            self.nominator.add(info, nominated)

    def on_pod_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        pod = self._to_pod(new)
        if pod is None:
            return
        key = _key(new)
        phase = pod.status.phase if pod.status is not None else None
        if pod.spec.node_name:
            self.queue.delete(key)
            self.nominator.remove(key)
            if phase in TERMINAL_PHASES:
                if self.cache.remove_pod(key) is not None:
                    self.queue.move_all(q.ASSIGNED_POD_DELETE)
                return
            known = self.cache.pod(key)
            info = PodInfo(pod)
            self.cache.update_pod(info)
            if known is None or not (old.get("spec") or {}).get("nodeName"):
                self.queue.move_all(q.ASSIGNED_POD_ADD)
            elif known.labels != info.labels or known.requests != info.requests:
                self.queue.move_all(q.ASSIGNED_POD_UPDATE)
            return
        if (
            phase in TERMINAL_PHASES
            or not self.responsible_for(pod)
            or pod.metadata.deletion_timestamp is not None
            or pod.spec.scheduling_gates
        ):
            self.queue.delete(key)
            self.nominator.remove(key)
            return
        info = PodInfo(pod)
        self.queue.update(info)
        nominated = pod.status.nominated_node_name if pod.status is not None else None
        if nominated:
            self.nominator.add(info, nominated)

    def on_pod_delete(self, value: Any) -> None:
        obj = _obj(value)
        key = value.key if isinstance(value, DeletedFinalStateUnknown) else _key(obj or {})
        self.queue.delete(key)
        self.nominator.remove(key)
        waiting = self.waiting_pods.get(key)
        if waiting is not None:
            waiting.reject("", "pod deleted while waiting at Permit")
        if self.cache.remove_pod(key) is not None:
            self.queue.move_all(q.ASSIGNED_POD_DELETE)

    def on_node_add(self, obj: Mapping[str, Any]) -> None:
        try:
            node = from_dict_lenient(dict(obj), Node)[0]
        except StructureError as exc:
            log.warning("ignoring node %s the scheduler cannot read: %s", _key(obj), exc)
            return
        self.cache.add_node(node)
        self.queue.move_all(q.NODE_ADD)

    def on_node_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        try:
            node = from_dict_lenient(dict(new), Node)[0]
        except StructureError as exc:
            log.warning("ignoring node %s the scheduler cannot read: %s", _key(new), exc)
            return
        self.cache.update_node(node)
        if _node_changed(old, new):
            self.queue.move_all(q.NODE_UPDATE)

    def on_node_delete(self, value: Any) -> None:
        obj = _obj(value) or {}
        name = (obj.get("metadata") or {}).get("name")
        if name:
            self.cache.remove_node(name)
            self.queue.move_all(q.NODE_DELETE)

    # -- the scheduling loop ------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            queued = await self.queue.pop()
            try:
                await self.schedule_one(queued)
            except Exception:
                log.exception("scheduling %s", queued.key)
                self.queue.requeue_failed(queued, self.queue.scheduling_cycle)
            await asyncio.sleep(0)  # let informers, binds and the API server run

    async def schedule_one(self, queued: QueuedPodInfo) -> None:
        info = queued.info
        pod = info.pod
        framework = self.frameworks.get(pod.spec.scheduler_name or DEFAULT_SCHEDULER_NAME)
        if framework is None or self.cache.pod(info.key) is not None:
            self.queue.done(info.key)  # not ours, or already assumed/bound
            return
        cycle = self.queue.scheduling_cycle
        state = CycleState()
        started = time.thread_time()
        try:
            result = framework.schedule(state, pod, info, self.cache.node_list())
        except FitError as fit:
            nominated = None
            if framework.points["postFilter"]:
                post, status = await framework.run_post_filter(state, pod, fit.statuses)
                if post is not None:
                    # a node to wait for, or "" to clear a nomination that no longer holds
                    nominated = post.nominated_node_name
                if status.is_success():
                    self.metrics.preemptions += 1
                elif status.message():
                    fit.post_filter_message = status.message()
            self.metrics.unschedulable += 1
            self.fail(
                queued,
                cycle,
                fit.message(),
                UNSCHEDULABLE_REASON,
                fit.unschedulable_plugins,
                nominated,
            )
            return
        except Exception as exc:
            log.exception("scheduling %s", info.key)
            self.metrics.errors += 1
            self.fail(queued, cycle, str(exc), ERROR_REASON)
            return
        if self.metrics.enabled:
            self.metrics.algorithm.append(time.thread_time() - started)
        node_name = result.node_name
        assumed = assumed_on(info, node_name)
        self.cache.assume_pod(assumed, node_name)
        status = framework.run_reserve(state, assumed.pod, node_name)
        if not status.is_success():
            framework.run_unreserve(state, assumed.pod, node_name)
            self.cache.forget_pod(info.key)
            self.fail(queued, cycle, status.message(), _reason(status), {status.plugin})
            return
        self._spawn(self.binding_cycle(framework, state, queued, assumed, node_name, cycle))

    async def binding_cycle(
        self,
        framework: Framework,
        state: CycleState,
        queued: QueuedPodInfo,
        assumed: PodInfo,
        node_name: str,
        cycle: int,
    ) -> None:
        pod = assumed.pod
        async with self._bind_slots:
            started = time.perf_counter()
            try:
                status = await framework.run_permit(state, pod, node_name)
                if status.is_success():
                    status = await framework.run_pre_bind(state, pod, node_name)
                if status.is_success():
                    status = await framework.run_bind(state, pod, node_name)
            except Exception as exc:
                log.exception("binding %s", assumed.key)
                status = Status.error(str(exc))
            if self.metrics.enabled:
                self.metrics.bind.append(time.perf_counter() - started)
        if not status.is_success():
            framework.run_unreserve(state, pod, node_name)
            self.cache.forget_pod(assumed.key)
            self.queue.move_all(q.ASSIGNED_POD_DELETE)
            self.metrics.errors += 1
            plugins = {status.plugin} if status.is_rejected() and status.plugin else set()
            self.fail(queued, cycle, status.message(), _reason(status), plugins)
            return
        self.queue.done(assumed.key)
        self.metrics.scheduled += 1
        if self.recorder is not None:
            self.recorder.event(
                pod_reference(pod),
                "Normal",
                "Scheduled",
                f"Successfully assigned {assumed.namespace}/{assumed.name} to {node_name}",
            )
        await framework.run_post_bind(state, pod, node_name)

    # -- failures -------------------------------------------------------------------------------

    def fail(
        self,
        queued: QueuedPodInfo,
        cycle: int,
        message: str,
        reason: str,
        plugins: Any = (),
        nominated: str | None = None,
    ) -> None:
        """Re-queue the pod, record ``FailedScheduling`` and set ``PodScheduled=False``."""
        self.queue.requeue_failed(queued, cycle, [p for p in plugins if p])
        info = queued.info
        if nominated:
            self.nominator.add(info, nominated)
        elif nominated == "":
            self.nominator.remove(info.key)
        if self.recorder is not None:
            self.recorder.event(pod_reference(info.pod), "Warning", "FailedScheduling", message)
        self._spawn(self.update_status(info.pod, reason, message, nominated))

    async def update_status(
        self, pod: Any, reason: str, message: str, nominated: str | None
    ) -> None:
        status = pod.status
        current = next(
            (c for c in (status.conditions if status else None) or () if c.type == "PodScheduled"),
            None,
        )
        old_nominated = (status.nominated_node_name if status else None) or ""
        same = (
            current is not None
            and current.status == "False"
            and current.reason == reason
            and current.message == message
        )
        if same and (nominated is None or nominated == old_nominated):
            return
        transition = (
            _time_text(current.last_transition_time)
            if current is not None and current.status == "False" and current.last_transition_time
            else _now()
        )
        patch: dict[str, Any] = {
            "status": {
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": reason,
                        "message": message,
                        "lastProbeTime": None,
                        "lastTransitionTime": transition,
                    }
                ]
            }
        }
        if nominated is not None and nominated != old_nominated:
            patch["status"]["nominatedNodeName"] = nominated or None
        meta = pod.metadata
        try:
            await self.client.patch_status(
                "pods", meta.name, patch, meta.namespace, patch_type="strategic"
            )
        except NotFoundError:
            return  # deleted meanwhile
        except (ApiError, TransportError, OSError) as exc:
            log.warning("updating the status of %s/%s: %s", meta.namespace, meta.name, exc)


def _reason(status: Status) -> str:
    return UNSCHEDULABLE_REASON if status.is_rejected() else ERROR_REASON


def _time_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _node_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Did anything the scheduler filters or scores on change (not just a heartbeat)?"""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    if old_meta.get("labels") != new_meta.get("labels"):
        return True
    if (old.get("spec") or {}) != (new.get("spec") or {}):
        return True
    old_status, new_status = old.get("status") or {}, new.get("status") or {}
    for key in ("allocatable", "images"):
        if old_status.get(key) != new_status.get(key):
            return True
    old_conditions = {c.get("type"): c.get("status") for c in old_status.get("conditions") or ()}
    new_conditions = {c.get("type"): c.get("status") for c in new_status.get("conditions") or ()}
    return old_conditions != new_conditions
