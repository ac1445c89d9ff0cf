"""One node's kubelet: registers the Node, heartbeats, and runs the pods bound to it.

Pods arrive from a pod source (:mod:`microkube_kubelet.pod_source`: the API server) and from
static manifests (:mod:`microkube_kubelet.static_pods`); each gets a
:class:`~microkube_kubelet.pod_worker.PodWorker`. The kubelet is also the
:class:`~microkube_kubelet.server.directory.PodDirectory` its HTTPS server reads.

Nothing here is module state: a process may run many kubelets (hollow nodes) that share one
API client and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError, TransportError
from microkube.client.events import EventRecorder
from microkube.contracts.cni import CNIPlugin
from microkube.contracts.runtime import (
    ContainerRuntime,
    ContainerState,
    RuntimeError_,
    RuntimeStatusReporter,
    RuntimeVersion,
)
from microkube_kubelet.admission import Rejection, admit
from microkube_kubelet.api_objects import ApiObjects
from microkube_kubelet.host import HostInfo
from microkube_kubelet.lease import NodeLease
from microkube_kubelet.logs import rotate_if_needed
from microkube_kubelet.node_context import NodeContext
from microkube_kubelet.node_reporter import NodeReporter
from microkube_kubelet.node_status import NodeHealth, node_status
from microkube_kubelet.options import KubeletOptions
from microkube_kubelet.pleg import Pleg
from microkube_kubelet.pod_cidr import PodCIDRSource
from microkube_kubelet.pod_network import network_setup, with_pod_network
from microkube_kubelet.pod_worker import PodWorker
from microkube_kubelet.podutil import is_mirror, is_terminating
from microkube_kubelet.prober import Prober
from microkube_kubelet.server.directory import ContainerRef, PodRef
from microkube_kubelet.static_pods import StaticPods
from microkube_kubelet.status_writer import StatusWriter

__all__ = ["Kubelet"]

log = logging.getLogger(__name__)

#: Seconds between housekeeping passes (orphaned sandboxes), as upstream's 2 s.
HOUSEKEEPING = 2.0


class Kubelet:
    def __init__(
        self,
        *,
        api: ApiClient,
        runtime: ContainerRuntime,
        options: KubeletOptions,
        root_dir: Path,
        host: HostInfo,
        jitter: float = 0.0,
        cni: CNIPlugin | None = None,
    ) -> None:
        self.pod_cidr = PodCIDRSource(api, options.node_name, options.pod_cidr)
        runtime = with_pod_network(runtime, cni, self.pod_cidr, options.netns_dir)
        self.api = api
        self.runtime = runtime
        self.options = options
        self.root_dir = root_dir
        self.host = host
        self.jitter = jitter
        self.node_name = options.node_name
        self.runtime_version: RuntimeVersion | None = None
        #: the HTTPS server's port once it serves (the Node's daemonEndpoints)
        self.server_port = 0
        self.recorder = EventRecorder(api, "kubelet", host=self.node_name)
        self.pleg = Pleg(runtime, options.pleg_relist_period, self._pleg_changed)
        self.lease = NodeLease(api, self.node_name, options.node_lease_duration_seconds)
        self.reporter = NodeReporter(
            api,
            host,
            options,
            root_dir,
            self._health,
            lambda: self.server_port,
            runtime.list_images,
        )
        self.ctx = NodeContext(
            node_name=self.node_name,
            options=options,
            root_dir=root_dir,
            runtime=runtime,
            runtime_name="",
            api=api,
            recorder=self.recorder,
            objects=ApiObjects(api),
            statuses=StatusWriter(api),
            prober=Prober(runtime),
            pleg=self.pleg,
            host_ip=options.node_ip,
        )
        self.workers: dict[str, PodWorker] = {}
        #: pods bound to this node as the API server last said (uid -> pod)
        self.api_pods: dict[str, dict[str, Any]] = {}
        self.api_synced = False
        self.static = StaticPods(self) if options.pod_manifest_path else None
        #: uids of pods this node refused to run (admission)
        self.rejected: set[str] = set()
        self._rejections: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[Any]] = []

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Ask the runtime what runs (to adopt it), then start every loop. Returns at once
        even if the API server is away: registration and pods retry on their own."""
        await asyncio.to_thread(self.root_dir.mkdir, parents=True, exist_ok=True)
        self.runtime_version = await self.runtime.version()
        self.ctx.runtime_name = self.runtime_version.runtime_name
        self.ctx.allocatable = self.reporter_allocatable()
        with contextlib.suppress(RuntimeError_, OSError):
            await self.pleg.relist()
        self.recorder.start()
        loops = [
            self.pleg.run(),
            self.reporter.run(jitter=self.jitter),
            self.lease.run(jitter=self.jitter),
            self._housekeeping(),
            self._rotate_logs(),
            network_setup(self.runtime, self.pod_cidr),
        ]
        if self.static is not None:
            loops.append(self.static.run())
        self._tasks = [asyncio.create_task(loop) for loop in loops]

    def reporter_allocatable(self) -> dict[str, str]:
        status = node_status(
            self.host, self.options, runtime=self.runtime_version, kubelet_port=0, conditions=[]
        )
        return dict(status["allocatable"])

    async def stop(self) -> None:
        """Stop the loops and the workers; the pods' containers keep running (a restarted
        kubelet adopts them)."""
        for task in [*self._tasks, *self._rejections]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._rejections, return_exceptions=True)
        self._tasks.clear()
        await asyncio.gather(*(w.stop() for w in self.workers.values()), return_exceptions=True)
        await self.recorder.stop(flush=1.0)

    async def _health(self) -> tuple[NodeHealth, RuntimeVersion | None]:
        try:
            version = await self.runtime.version()
            if isinstance(self.runtime, RuntimeStatusReporter):  # CRI Status: RuntimeReady
                ready, why = await self.runtime.runtime_status()
                if not ready:
                    return NodeHealth(False, why), version
        except (RuntimeError_, OSError) as exc:
            return NodeHealth(False, f"container runtime is down: {exc}"), self.runtime_version
        self.runtime_version = version
        healthy, message = self.pleg.healthy()
        return NodeHealth(healthy, message), version

    # -- pods from the sources ----------------------------------------------------------

    def pod_added(self, pod: dict[str, Any]) -> None:
        if is_mirror(pod):
            if self.static is not None:
                self.static.mirror_changed(pod)
            return
        uid = pod["metadata"]["uid"]
        self.api_pods[uid] = pod
        if uid in self.rejected:
            return
        if uid not in self.workers and self._must_judge(pod):
            rejection = admit(pod, self._admitted(), self.ctx.allocatable)
            if rejection is not None:
                self._reject(pod, rejection)
                return
        self._upsert(pod, static=False)

    def _must_judge(self, pod: dict[str, Any]) -> bool:
        """A pod new to this node: not yet running here, not finished, not going away."""
        phase = (pod.get("status") or {}).get("phase")
        return (
            not is_terminating(pod)
            and phase not in ("Running", "Succeeded", "Failed")
            and pod["metadata"]["uid"] not in self.pleg.pods
        )

    def _admitted(self) -> list[dict[str, Any]]:
        finished = ("Succeeded", "Failed")
        return [
            w.pod
            for w in self.workers.values()
            if not w.removed and (w.desired or {}).get("phase") not in finished
        ]

    def _reject(self, pod: dict[str, Any], rejection: Rejection) -> None:
        """Fail the pod with the rejection's reason (retried until written)."""
        self.rejected.add(pod["metadata"]["uid"])
        self.ctx.event(pod, "Warning", rejection.reason, rejection.message)
        task = asyncio.create_task(self._write_rejection(pod, rejection))
        self._rejections.add(task)
        task.add_done_callback(self._rejections.discard)

    async def _write_rejection(self, pod: dict[str, Any], rejection: Rejection) -> None:
        meta = pod["metadata"]
        status = {"phase": "Failed", "reason": rejection.reason, "message": rejection.message}
        delay = 0.5
        while True:
            try:
                await self.api.patch_status(
                    "pods", meta["name"], {"status": status}, meta.get("namespace") or "default"
                )
                return
            except NotFoundError:
                return
            except (ApiError, TransportError, OSError, TimeoutError) as exc:
                log.info("pod %s: writing its rejection failed: %s", meta.get("name"), exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    pod_updated = pod_added

    def pod_deleted(self, pod: dict[str, Any]) -> None:
        if is_mirror(pod):
            if self.static is not None:
                self.static.mirror_deleted(pod)
            return
        uid = pod["metadata"]["uid"]
        self.api_pods.pop(uid, None)
        self.rejected.discard(uid)
        worker = self.workers.get(uid)
        if worker is not None:
            worker.remove()

    def _upsert(self, pod: dict[str, Any], *, static: bool) -> PodWorker:
        uid = pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if worker is None:
            worker = PodWorker(self.ctx, pod, static=static)
            self.workers[uid] = worker
            worker.start()
            worker.task.add_done_callback(lambda _task, uid=uid: self._worker_done(uid))  # type: ignore[union-attr]
        else:
            worker.update(pod)
        return worker

    def add_static(self, pod: dict[str, Any]) -> PodWorker:
        return self._upsert(pod, static=True)

    def _worker_done(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None and worker.task is not None and worker.task.done():
            del self.workers[uid]

    def _pleg_changed(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.wake()

    # -- housekeeping -------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        """Remove what the runtime runs for pods no source knows (deleted while this
        kubelet was down) — only once the sources have been read, so an API outage never
        looks like "every pod was deleted"."""
        while True:
            await asyncio.sleep(HOUSEKEEPING)
            if not self.api_synced or (self.static is not None and not self.static.synced):
                continue
            for uid, state in list(self.pleg.pods.items()):
                if uid in self.workers or uid in self.api_pods:
                    continue
                if self.static is not None and self.static.knows(uid):
                    continue
                log.info("node %s: removing orphaned pod %s", self.node_name, uid)
                for container in state.containers:
                    if container.state is ContainerState.RUNNING:
                        with contextlib.suppress(RuntimeError_):
                            await self.runtime.stop_container(container.id, 0)
                    with contextlib.suppress(RuntimeError_):
                        await self.runtime.remove_container(container.id)
                for sandbox in state.sandboxes:
                    with contextlib.suppress(RuntimeError_):
                        await self.runtime.stop_pod_sandbox(sandbox.id)
                        await self.runtime.remove_pod_sandbox(sandbox.id)
                await self.pleg.refresh(uid)

    async def _rotate_logs(self) -> None:
        max_size = self.options.log_max_size_bytes
        max_files = self.options.container_log_max_files
        while True:
            await asyncio.sleep(self.options.container_log_monitor_interval)
            paths = [
                ref.log_path
                for pod in self.pods()
                for ref in pod.containers.values()
                if ref.running
            ]
            for path in paths:
                try:
                    await asyncio.to_thread(rotate_if_needed, path, max_size, max_files)
                except OSError as exc:
                    log.warning("rotating %s failed: %s", path, exc)

    # -- PodDirectory -------------------------------------------------------------------

    def _ref(self, worker: PodWorker, *, previous: bool = False) -> PodRef | None:
        state = self.pleg.pod(worker.uid)
        sandbox = state.sandbox
        if sandbox is None:
            return None
        containers: dict[str, ContainerRef] = {}
        names = {c.name for c in state.containers}
        for name in names:
            attempts = state.attempts(name)
            chosen = attempts[1] if previous and len(attempts) > 1 else attempts[0]
            if previous and len(attempts) < 2:
                continue
            containers[name] = ContainerRef(
                name=name,
                container_id=chosen.id,
                log_path=Path(chosen.log_path)
                if chosen.log_path
                else worker.pod_dir / name / f"{chosen.attempt}.log",
                running=chosen.state is ContainerState.RUNNING,
            )
        meta = worker.pod["metadata"]
        return PodRef(
            namespace=meta.get("namespace") or "default",
            name=meta.get("name", ""),
            uid=worker.uid,
            sandbox_id=sandbox.id,
            containers=containers,
        )

    def _worker_named(self, namespace: str, name: str) -> PodWorker | None:
        for worker in self.workers.values():
            meta = worker.pod["metadata"]
            if meta.get("name") == name and (meta.get("namespace") or "default") == namespace:
                return worker
        return None

    def find_pod(self, namespace: str, name: str) -> PodRef | None:
        worker = self._worker_named(namespace, name)
        return self._ref(worker) if worker is not None else None

    def find_container(
        self, namespace: str, pod: str, container: str, *, previous: bool = False
    ) -> ContainerRef | None:
        worker = self._worker_named(namespace, pod)
        if worker is None:
            return None
        ref = self._ref(worker, previous=previous)
        return ref.containers.get(container) if ref is not None else None

    def pods(self) -> Sequence[PodRef]:
        refs = (self._ref(worker) for worker in list(self.workers.values()))
        return [ref for ref in refs if ref is not None]
