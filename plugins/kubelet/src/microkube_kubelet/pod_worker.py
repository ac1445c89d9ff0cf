"""One pod's worker: drives the pod through the runtime until it is gone, as upstream's
``podWorkers`` + ``SyncPod``/``SyncTerminatingPod``.

Each sync reads the pod's runtime state from the PLEG, then: volumes, sandbox, init
containers in order, app containers (restart policy, CrashLoopBackOff, liveness kills),
status. A terminating pod (``deletionTimestamp`` set, or gone from its source) has its
containers stopped within the grace period (preStop first), its final status written, and
is then deleted for good (grace 0) and cleaned up.

The worker never kills anything because the API server is unreachable: status writes and
reads are retried with back-off while the containers keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Mapping
from typing import Any

from microkube.client.errors import ApiError, NotFoundError, TransportError
from microkube.contracts.runtime import (
    ContainerState,
    ContainerStatus,
    PodSandboxConfig,
    RuntimeError_,
    SandboxState,
)
from microkube.contracts.runtime import (
    NotFoundError as RuntimeNotFound,
)
from microkube_kubelet.backoff import Backoff
from microkube_kubelet.container_views import ContainerViews
from microkube_kubelet.env import ContainerConfigError, container_env, expand_command
from microkube_kubelet.hooks import HookError, run_handler
from microkube_kubelet.image_pull import ImagePuller
from microkube_kubelet.logs import pod_log_directory
from microkube_kubelet.node_context import NodeContext
from microkube_kubelet.pleg import PodRuntime
from microkube_kubelet.pod_dns import pod_dns_config
from microkube_kubelet.pod_status import pod_status
from microkube_kubelet.podutil import format_pod, grace_period, is_sidecar, is_terminating
from microkube_kubelet.prober import ProbeOutcome, ProbeTarget
from microkube_kubelet.probes import KINDS, PodProbes
from microkube_kubelet.runtime_config import container_config, sandbox_config
from microkube_kubelet.timeutil import go_duration, parse_time, rfc3339
from microkube_kubelet.volumes import PodVolumes, VolumeError, container_mounts

__all__ = ["PodWorker"]

log = logging.getLogger(__name__)

NORMAL, WARNING = "Normal", "Warning"
#: Seconds between syncs when nothing happens (upstream's resync is a minute; probes, the
#: PLEG and back-off expiries wake the worker sooner).
RESYNC = 10.0
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
_API_ERRORS = (ApiError, TransportError, OSError, TimeoutError)


def _should_restart(policy: str, status: ContainerStatus) -> bool:
    if policy == "Always":
        return True
    if policy == "OnFailure":
        return status.exit_code != 0
    return False


class PodWorker:
    def __init__(self, ctx: NodeContext, pod: dict[str, Any], *, static: bool = False) -> None:
        self.ctx = ctx
        self.pod = pod
        self.uid: str = pod["metadata"]["uid"]
        self.static = static
        #: the API object status is written to (the mirror pod for a static pod)
        self.status_target: dict[str, Any] | None = None if static else pod
        self.removed = False
        self.finished = asyncio.Event()
        options = ctx.options
        self.backoff = Backoff(options.crashloop_backoff_initial, options.crashloop_backoff_max)
        self.images = ImagePuller(
            ctx.runtime,
            Backoff(options.crashloop_backoff_initial, options.crashloop_backoff_max),
            lambda type_, reason, message, path: ctx.event(
                self.pod, type_, reason, message, field_path=path
            ),
        )
        self.probes = PodProbes(ctx.prober, self._probe_result, self._probe_failed)
        self.pod_dir = pod_log_directory(ctx.root_dir, self.uid)
        self.volumes = PodVolumes(
            self.pod_dir, ctx.objects, host_ip=ctx.host_ip, allocatable=ctx.allocatable
        )
        self.waiting: dict[str, tuple[str, str]] = {}
        self._env_cache: dict[str, list[tuple[str, str]]] = {}
        self.container_views = ContainerViews(self.pod_dir)
        #: container id -> the image it was created with (a changed spec image restarts it)
        self._images: dict[str, str] = {}
        #: (reason, message) once the pod failed on the node (activeDeadlineSeconds)
        self.failure: tuple[str, str] | None = None
        self._volumes_ready = False
        self._volumes_at = 0.0
        self._volume_meta: Any = None
        self._sandbox_attempts = 0
        self.start_time = (pod.get("status") or {}).get("startTime") or rfc3339()
        self.desired: dict[str, Any] | None = None
        self._status_retry = 0.5
        self._next: float | None = None
        self._wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    # -- inputs -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        meta = self.pod["metadata"]
        return f"{meta.get('namespace') or 'default'}/{meta.get('name')}"

    def start(self) -> None:
        self.task = asyncio.create_task(self.run(), name=f"pod {self.name}")

    def update(self, pod: dict[str, Any]) -> None:
        self.pod = pod
        if not self.static:
            self.status_target = pod
        self.wake()

    def remove(self) -> None:
        """The pod is gone from its source: terminate it."""
        self.removed = True
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def _soon(self, seconds: float) -> None:
        at = time.monotonic() + max(0.0, seconds)
        if self._next is None or at < self._next:
            self._next = at

    async def stop(self) -> None:
        """Stop the worker task (the kubelet stops; the pod's containers keep running)."""
        self.probes.stop()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while True:
                self._wake.clear()
                self._next = None
                try:
                    if await self.sync():
                        return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("pod %s: sync failed", self.name)
                    self._soon(1.0)
                delay = RESYNC if self._next is None else max(0.0, self._next - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            self.finished.set()

    async def sync(self) -> bool:
        """One pass; True once the pod is gone for good."""
        state = self.ctx.pleg.pod(self.uid)
        if self.removed or is_terminating(self.pod):
            return await self._terminate(state)
        if self._is_finished(state):
            await self._stop_finished(state)
            await self._write_status(self.ctx.pleg.pod(self.uid))
            return False
        if self._deadline_exceeded():
            await self._fail(state, "DeadlineExceeded", DEADLINE_MESSAGE)
            return False
        if not await self._setup_volumes(state):
            await self._write_status(state)
            return False
        state = await self._ensure_sandbox(state)
        sandbox = state.sandbox
        ready = sandbox is not None and sandbox.state is SandboxState.READY
        if ready and await self._sync_init(state):
            await self._sync_apps(self.ctx.pleg.pod(self.uid))
            state = self.ctx.pleg.pod(self.uid)
            if self._apps_done(state):
                await self._stop_sidecars(state, grace_period(self.pod))
                await self.ctx.pleg.refresh(self.uid)
            self._track_probes(self.ctx.pleg.pod(self.uid))
        await self._write_status(self.ctx.pleg.pod(self.uid))
        return False

    # -- volumes and sandbox --------------------------------------------------------------

    async def _setup_volumes(self, state: PodRuntime) -> bool:
        meta = self.pod.get("metadata") or {}
        changed = (meta.get("labels"), meta.get("annotations")) != self._volume_meta
        due = time.monotonic() - self._volumes_at >= self.ctx.options.volume_refresh_period
        if self._volumes_ready and not changed and not due:
            self._soon(self._volumes_at + self.ctx.options.volume_refresh_period - time.monotonic())
            return True
        sandbox = state.sandbox
        try:
            await self.volumes.setup(self.pod, sandbox.ip if sandbox else "")
        except VolumeError as exc:
            if self._volumes_ready:
                log.warning("pod %s: refreshing volumes failed: %s", self.name, exc)
                self._volumes_at = time.monotonic()
                return True
            self.ctx.event(self.pod, WARNING, "FailedMount", str(exc))
            self._soon(2.0)
            return False
        except _API_ERRORS as exc:
            if self._volumes_ready:  # keep what is mounted while the API server is away
                self._soon(2.0)
                return True
            log.info("pod %s: volumes wait for the API server: %s", self.name, exc)
            self._soon(2.0)
            return False
        for note in self.volumes.notes:
            self.ctx.event(self.pod, NORMAL, "VolumeNote", note)
        self.volumes.notes.clear()
        self._volumes_ready = True
        self._volumes_at = time.monotonic()
        self._volume_meta = (meta.get("labels"), meta.get("annotations"))
        self._soon(self.ctx.options.volume_refresh_period)
        return True

    def _sandbox_config(self) -> PodSandboxConfig:
        options = self.ctx.options
        return sandbox_config(
            self.pod,
            attempt=self._sandbox_attempts,
            log_directory=str(self.pod_dir),
            dns=pod_dns_config(self.pod, options.cluster_dns, options.cluster_domain),
        )

    async def _ensure_sandbox(self, state: PodRuntime) -> PodRuntime:
        sandbox = state.sandbox
        if sandbox is not None and sandbox.state is SandboxState.READY:
            return state
        self._sandbox_attempts = max(self._sandbox_attempts, len(state.sandboxes))
        if sandbox is not None:
            started = any(c.name in self._app_names() for c in state.containers)
            if (self.pod.get("spec") or {}).get("restartPolicy") == "Never" and started:
                return state  # upstream: a Never pod whose containers ran is not re-created
            self.ctx.event(
                self.pod,
                NORMAL,
                "SandboxChanged",
                "Pod sandbox changed, it will be killed and re-created.",
            )
            for container in state.containers:
                if container.state is ContainerState.RUNNING:
                    with contextlib.suppress(RuntimeError_):
                        await self.ctx.runtime.stop_container(container.id, 0)
            with contextlib.suppress(RuntimeError_):
                await self.ctx.runtime.stop_pod_sandbox(sandbox.id)
        await asyncio.to_thread(self.pod_dir.mkdir, parents=True, exist_ok=True)
        try:
            sandbox_id = await self.ctx.runtime.run_pod_sandbox(self._sandbox_config())
        except RuntimeError_ as exc:
            self.ctx.event(
                self.pod, WARNING, "FailedCreatePodSandBox", f"Failed to create pod sandbox: {exc}"
            )
            self._soon(self.backoff.get("sandbox") or 1.0)
            self.backoff.next("sandbox", time.time())
            return state
        self._sandbox_attempts += 1
        return await self.ctx.pleg.refresh(self.uid, [sandbox_id])

    def _app_names(self) -> set[str]:
        return {c.get("name", "") for c in (self.pod.get("spec") or {}).get("containers") or ()}

    # -- containers ---------------------------------------------------------------------

    def _current(self, state: PodRuntime, name: str) -> ContainerStatus | None:
        """The newest attempt of ``name`` in the current sandbox."""
        sandbox = state.sandbox
        for status in state.attempts(name):
            if sandbox is None or status.sandbox_id == sandbox.id:
                return status
        return None

    def _next_attempt(self, state: PodRuntime, name: str) -> int:
        attempts = state.attempts(name)
        return attempts[0].attempt + 1 if attempts else 0

    async def _sync_init(self, state: PodRuntime) -> bool:
        """Run init containers in order; True once every one succeeded (a sidecar — an init
        container with ``restartPolicy: Always`` — once it started, and it keeps running)."""
        policy = (self.pod.get("spec") or {}).get("restartPolicy") or "Always"
        initialized = any(self._current(state, n) is not None for n in self._app_names())
        apps_done = self._apps_done(state)
        for container in (self.pod.get("spec") or {}).get("initContainers") or ():
            name = container.get("name", "")
            sidecar = is_sidecar(container)
            current = self._current(state, name)
            if current is None:
                if sidecar and apps_done:
                    continue
                await self._start(container, self._next_attempt(state, name), state)
                if sidecar and initialized:
                    continue
                return False
            if current.state is ContainerState.CREATED:
                await self._start_created(container, current)
                return False
            if current.state is ContainerState.RUNNING:
                if not sidecar:
                    return False
                if self.probes.unhealthy.get(name) == current.id:
                    await self._kill_unhealthy(container, current)
                    return False
                if initialized or self.probes.startup.get(name, "startupProbe" not in container):
                    continue
                return False
            if sidecar:
                self.probes.forget(name)
                if not apps_done and self._may_restart(container, current):
                    await self._start(container, current.attempt + 1, state)
                if initialized:
                    continue
                return False
            if current.exit_code == 0:
                continue
            if policy == "Never":
                return False
            if self._may_restart(container, current):
                await self._start(container, current.attempt + 1, state)
            return False
        return True

    def _apps_done(self, state: PodRuntime) -> bool:
        """Every app container exited for good (restart policy Never/OnFailure): the
        sidecars are then stopped and the pod completes."""
        policy = (self.pod.get("spec") or {}).get("restartPolicy") or "Always"
        if policy == "Always":
            return False
        for name in self._app_names():
            current = self._current(state, name)
            if current is None or current.state is not ContainerState.EXITED:
                return False
            if _should_restart(policy, current):
                return False
        return True

    async def _stop_sidecars(self, state: PodRuntime, grace: int) -> None:
        """Stop the running sidecars in reverse order (as upstream, after the app containers)."""
        for container in reversed((self.pod.get("spec") or {}).get("initContainers") or ()):
            if not is_sidecar(container):
                continue
            current = self._current(state, container.get("name", ""))
            if current is not None and current.state is ContainerState.RUNNING:
                self.probes.forget(container.get("name", ""))
                await self._kill(container, current, grace)

    async def _sync_apps(self, state: PodRuntime) -> None:
        policy = (self.pod.get("spec") or {}).get("restartPolicy") or "Always"
        for container in (self.pod.get("spec") or {}).get("containers") or ():
            name = container.get("name", "")
            current = self._current(state, name)
            if current is None:
                await self._start(container, self._next_attempt(state, name), state)
                continue
            if current.state is ContainerState.CREATED:
                await self._start_created(container, current)
                continue
            if current.state is ContainerState.RUNNING:
                started_as = self._images.get(current.id)
                if started_as is not None and started_as != container.get("image"):
                    await self._replace_changed(container, current, state)
                    continue
                if self.probes.unhealthy.get(name) != current.id:
                    continue
                await self._kill_unhealthy(container, current)
                state = self.ctx.pleg.pod(self.uid)
                current = self._current(state, name)
                if current is None or current.state is ContainerState.RUNNING:
                    continue
            self.probes.forget(name)
            if not _should_restart(policy, current):
                self.waiting.pop(name, None)
                continue
            if self._may_restart(container, current):
                await self._start(container, current.attempt + 1, state)

    async def _replace_changed(
        self, container: Mapping[str, Any], current: ContainerStatus, state: PodRuntime
    ) -> None:
        """The pod's container spec changed (``kubectl set image``): kill and recreate it,
        whatever the restart policy (as upstream)."""
        name = container.get("name", "")
        self.ctx.event(
            self.pod,
            NORMAL,
            "Killing",
            f"Container {name} definition changed, will be restarted",
            field_path=self._field_path(name),
        )
        self.probes.forget(name)
        await self._kill(container, current, grace_period(self.pod), announce=False)
        state = await self.ctx.pleg.refresh(self.uid)
        self._images.pop(current.id, None)
        await self._start(container, self._next_attempt(state, name), state)

    def _track_probes(self, state: PodRuntime) -> None:
        """Probe every running sidecar and app container (a new container id restarts its
        probes)."""
        sandbox = state.sandbox
        if sandbox is None:
            return
        spec = self.pod.get("spec") or {}
        sidecars = [c for c in spec.get("initContainers") or () if is_sidecar(c)]
        for container in [*sidecars, *(spec.get("containers") or ())]:
            current = self._current(state, container.get("name", ""))
            if current is not None and current.state is ContainerState.RUNNING:
                started_at = (current.started_at_ns or current.created_at_ns) / 1e9
                self.probes.track(container, current.id, started_at, sandbox.id, sandbox.ip)

    def _may_restart(self, container: Mapping[str, Any], current: ContainerStatus) -> bool:
        """Upstream ``doBackOff``: restart now, or wait in CrashLoopBackOff."""
        name = container.get("name", "")
        finished = current.finished_at_ns / 1e9 if current.finished_at_ns else time.time()
        if self.backoff.in_backoff_since(name, finished):
            delay = self.backoff.get(name)
            message = (
                f"back-off {go_duration(delay)} restarting failed container={name} "
                f"pod={format_pod(self.pod)}"
            )
            if self.waiting.get(name, ("",))[0] != "CrashLoopBackOff":
                self.ctx.event(
                    self.pod,
                    WARNING,
                    "BackOff",
                    f"Back-off restarting failed container {name} in pod {format_pod(self.pod)}",
                    field_path=self._field_path(name),
                )
            self.waiting[name] = ("CrashLoopBackOff", message)
            self._soon(self.backoff.remaining(name, finished) + 0.05)
            return False
        self.backoff.next(name, finished)
        return True

    def _field_path(self, name: str) -> str:
        spec = self.pod.get("spec") or {}
        for key in ("initContainers", "containers"):
            if any(c.get("name") == name for c in spec.get(key) or ()):
                return f"spec.{key}{{{name}}}"
        return ""

    async def _ensure_image(self, container: Mapping[str, Any]) -> bool:
        name = container.get("name", "")
        result = await self.images.ensure(container, self._field_path(name))
        if result.waiting is not None:
            self.waiting[name] = result.waiting
        if result.retry_in is not None:
            self._soon(result.retry_in)
        return result.ok

    async def _env(self, container: Mapping[str, Any], pod_ip: str) -> list[tuple[str, str]]:
        name = container.get("name", "")
        try:
            env = await container_env(
                self.pod,
                container,
                self.ctx.objects,
                pod_ip=pod_ip,
                host_ip=self.ctx.host_ip,
                allocatable=self.ctx.allocatable,
            )
        except _API_ERRORS as exc:
            if name in self._env_cache:  # the API server is away: restart with what it had
                return self._env_cache[name]
            raise ContainerConfigError(f"cannot read the container's environment: {exc}") from None
        self._env_cache[name] = env
        return env

    async def _start(self, container: Mapping[str, Any], attempt: int, state: PodRuntime) -> None:
        name = container.get("name", "")
        sandbox = state.sandbox
        assert sandbox is not None
        path = self._field_path(name)
        if not await self._ensure_image(container):
            return
        try:
            env = await self._env(container, sandbox.ip)
            command, args = expand_command(container, env)
            mounts = await asyncio.to_thread(container_mounts, container, self.volumes.paths, env)
        except ContainerConfigError as exc:
            self.waiting[name] = ("CreateContainerConfigError", str(exc))
            self.ctx.event(self.pod, WARNING, "Failed", f"Error: {exc}", field_path=path)
            self._soon(2.0)
            return
        config = container_config(
            self.pod, container, attempt=attempt, command=command, args=args, env=env, mounts=mounts
        )
        await asyncio.to_thread((self.pod_dir / name).mkdir, parents=True, exist_ok=True)
        runtime = self.ctx.runtime
        try:
            container_id = await runtime.create_container(
                sandbox.id, config, self._sandbox_config()
            )
        except RuntimeError_ as exc:
            self.waiting[name] = ("CreateContainerError", str(exc))
            self.ctx.event(self.pod, WARNING, "Failed", f"Error: {exc}", field_path=path)
            self._soon(2.0)
            return
        self.ctx.event(self.pod, NORMAL, "Created", f"Created container {name}", field_path=path)
        self._images[container_id] = config.image
        await self._start_created(container, None, container_id)
        state = await self.ctx.pleg.refresh(self.uid)
        for old in state.attempts(name)[2:]:  # keep the current and the previous attempt
            with contextlib.suppress(RuntimeError_):
                await runtime.remove_container(old.id)

    async def _start_created(
        self, container: Mapping[str, Any], status: ContainerStatus | None, container_id: str = ""
    ) -> None:
        name = container.get("name", "")
        path = self._field_path(name)
        container_id = container_id or (status.id if status else "")
        try:
            await self.ctx.runtime.start_container(container_id)
        except RuntimeError_ as exc:
            self.waiting[name] = ("RunContainerError", str(exc))
            self.ctx.event(self.pod, WARNING, "Failed", f"Error: {exc}", field_path=path)
            self._soon(2.0)
            return
        self.waiting.pop(name, None)
        self.ctx.event(self.pod, NORMAL, "Started", f"Started container {name}", field_path=path)
        post_start = (container.get("lifecycle") or {}).get("postStart")
        if post_start:
            target = self._target(container, container_id)
            try:
                await run_handler(
                    self.ctx.prober, post_start, target, float(grace_period(self.pod) or 30)
                )
            except (HookError, RuntimeError_, OSError, TimeoutError, ValueError) as exc:
                self.ctx.event(self.pod, WARNING, "FailedPostStartHook", str(exc), field_path=path)
                with contextlib.suppress(RuntimeError_):
                    await self.ctx.runtime.stop_container(container_id, grace_period(self.pod))

    def _target(self, container: Mapping[str, Any], container_id: str) -> ProbeTarget:
        sandbox = self.ctx.pleg.pod(self.uid).sandbox
        return ProbeTarget(
            container=container,
            container_id=container_id,
            sandbox_id=sandbox.id if sandbox else "",
            pod_ip=sandbox.ip if sandbox else "",
        )

    async def _kill_unhealthy(self, container: Mapping[str, Any], current: ContainerStatus) -> None:
        name = container.get("name", "")
        which = "startup" if self.probes.startup.get(name) is False else "liveness"
        self.ctx.event(
            self.pod,
            NORMAL,
            "Killing",
            f"Container {name} failed {which} probe, will be restarted",
            field_path=self._field_path(name),
        )
        self.probes.forget(name)
        probe = container.get(KINDS[which][0]) or {}
        grace = probe.get("terminationGracePeriodSeconds", grace_period(self.pod))
        await self._kill(container, current, int(grace), announce=False)
        await self.ctx.pleg.refresh(self.uid)

    async def _kill(
        self,
        container: Mapping[str, Any] | None,
        status: ContainerStatus,
        grace: int,
        *,
        announce: bool = True,
    ) -> None:
        """preStop (bounded by the grace period), then SIGTERM and SIGKILL after the rest."""
        name = status.name
        began = time.monotonic()
        if announce:
            self.ctx.event(
                self.pod,
                NORMAL,
                "Killing",
                f"Stopping container {name}",
                field_path=self._field_path(name),
            )
        pre_stop = ((container or {}).get("lifecycle") or {}).get("preStop")
        if pre_stop and status.state is ContainerState.RUNNING and grace > 0:
            try:
                await asyncio.wait_for(
                    run_handler(
                        self.ctx.prober, pre_stop, self._target(container or {}, status.id), grace
                    ),
                    grace,
                )
            except TimeoutError:
                log.info("pod %s: preStop of %s used the whole grace period", self.name, name)
            except (HookError, RuntimeError_, OSError, ValueError) as exc:
                self.ctx.event(
                    self.pod,
                    WARNING,
                    "FailedPreStopHook",
                    f"PreStopHook failed: {exc}",
                    field_path=self._field_path(name),
                )
        remaining = grace - (time.monotonic() - began)
        remaining = max(remaining, min(grace, 2))  # upstream's minimum of 2 s
        with contextlib.suppress(RuntimeNotFound):
            await self.ctx.runtime.stop_container(status.id, max(0, round(remaining)))

    # -- probes ---------------------------------------------------------------------------

    def _probe_result(self, kind: str, name: str, result: bool, outcome: ProbeOutcome) -> None:
        self.wake()

    def _probe_failed(self, kind: str, name: str, result: bool, outcome: ProbeOutcome) -> None:
        word = KINDS[kind][1]
        self.ctx.event(
            self.pod,
            WARNING,
            "Unhealthy",
            f"{word} probe failed: {outcome.output}".rstrip(),
            field_path=self._field_path(name),
        )

    # -- finishing ------------------------------------------------------------------------

    def _deadline_exceeded(self) -> bool:
        """``spec.activeDeadlineSeconds`` passed since the pod started on this node."""
        deadline = (self.pod.get("spec") or {}).get("activeDeadlineSeconds")
        started = parse_time(self.start_time)
        if deadline is None or started is None:
            return False
        left = started + int(deadline) - time.time()
        if left > 0:
            self._soon(left)
            return False
        return True

    async def _fail(self, state: PodRuntime, reason: str, message: str) -> None:
        """Stop every container and mark the pod Failed with ``reason`` (as upstream's
        active-deadline handler)."""
        self.failure = (reason, message)
        self.ctx.event(self.pod, NORMAL, reason, message)
        self.probes.stop()
        specs = {c.get("name"): c for c in _all_containers(self.pod)}
        running = [c for c in state.containers if c.state is ContainerState.RUNNING]
        await asyncio.gather(
            *(self._kill(specs.get(c.name), c, grace_period(self.pod)) for c in running),
            return_exceptions=True,
        )
        await self._stop_finished(await self.ctx.pleg.refresh(self.uid))
        await self._write_status(self.ctx.pleg.pod(self.uid))

    def _is_finished(self, state: PodRuntime) -> bool:
        """Succeeded or Failed: no container runs and none will be restarted."""
        phase = (self.desired or {}).get("phase") or (self.pod.get("status") or {}).get("phase")
        return phase in ("Succeeded", "Failed") and not any(
            c.state is ContainerState.RUNNING for c in state.containers
        )

    async def _stop_finished(self, state: PodRuntime) -> None:
        self.probes.stop()
        for sandbox in state.sandboxes:
            if sandbox.state is SandboxState.READY:
                with contextlib.suppress(RuntimeError_):
                    await self.ctx.runtime.stop_pod_sandbox(sandbox.id)
                await self.ctx.pleg.refresh(self.uid)

    async def _terminate(self, state: PodRuntime) -> bool:
        grace = grace_period(self.pod)
        self.probes.stop()
        specs = {c.get("name"): c for c in _all_containers(self.pod)}
        sidecar_names = {n for n, c in specs.items() if is_sidecar(c)}
        running = [c for c in state.containers if c.state is ContainerState.RUNNING]
        began = time.monotonic()
        await asyncio.gather(
            *(
                self._kill(specs.get(c.name), c, grace)
                for c in running
                if c.name not in sidecar_names
            ),
            return_exceptions=True,
        )
        if any(c.name in sidecar_names for c in running):
            left = max(0, round(grace - (time.monotonic() - began)))
            await self._stop_sidecars(await self.ctx.pleg.refresh(self.uid), left)
        for sandbox in state.sandboxes:
            if sandbox.state is SandboxState.READY:
                with contextlib.suppress(RuntimeError_):
                    await self.ctx.runtime.stop_pod_sandbox(sandbox.id)
        state = await self.ctx.pleg.refresh(self.uid)
        if not self.removed:
            try:
                await self._write_status(state, terminal=True, raise_errors=True)
                if not self.static:
                    await self._delete_from_api()
            except NotFoundError:
                pass  # already gone
            except _API_ERRORS as exc:
                log.info(
                    "pod %s: finishing its deletion waits for the API server: %s", self.name, exc
                )
                self._soon(self._status_backoff())
                return False
        await self._cleanup(state)
        return True

    async def _delete_from_api(self) -> None:
        meta = self.pod["metadata"]
        await self.ctx.api.delete(
            "pods",
            meta["name"],
            meta.get("namespace") or "default",
            grace_period_seconds=0,
            preconditions={"uid": self.uid},
        )

    async def _cleanup(self, state: PodRuntime) -> None:
        runtime = self.ctx.runtime
        for container in state.containers:
            with contextlib.suppress(RuntimeError_):
                await runtime.remove_container(container.id)
        for sandbox in state.sandboxes:
            with contextlib.suppress(RuntimeError_):
                await runtime.remove_pod_sandbox(sandbox.id)
        await self.ctx.pleg.refresh(self.uid)
        await self.volumes.teardown()
        await asyncio.to_thread(shutil.rmtree, self.pod_dir, True)
        self.ctx.statuses.forget(self.uid)

    # -- status ---------------------------------------------------------------------------

    def compute_status(self, state: PodRuntime, *, terminal: bool = False) -> dict[str, Any]:
        init_views, views = self.container_views.build(self.pod, state, self.probes, self.waiting)
        sandbox = state.sandbox
        ready = sandbox is not None and sandbox.state is SandboxState.READY
        return pod_status(
            self.pod,
            init_views=init_views,
            views=views,
            runtime=self.ctx.runtime_name,
            sandbox_ready=ready and not terminal,
            # A stopped sandbox keeps the pod's last address in its status (as upstream's
            # completed pods show theirs) until a new sandbox reports one.
            pod_ip=sandbox.ip
            if ready and sandbox
            else ((self.desired or self.pod.get("status") or {}).get("podIP") or ""),
            host_ip=self.ctx.host_ip,
            start_time=self.start_time,
            previous=self.desired,
            terminal=terminal,
            failure=self.failure,
        )

    def _status_backoff(self) -> float:
        delay = self._status_retry
        self._status_retry = min(self._status_retry * 2, 10.0)
        return delay

    async def _write_status(
        self, state: PodRuntime, *, terminal: bool = False, raise_errors: bool = False
    ) -> None:
        status = self.compute_status(state, terminal=terminal)
        self.desired = status
        target = self.status_target
        if target is None:
            return
        try:
            await self.ctx.statuses.write(target, status)
        except NotFoundError:
            if raise_errors:
                raise
        except _API_ERRORS as exc:
            if raise_errors:
                raise
            log.info("pod %s: status write failed (retrying): %s", self.name, exc)
            self._soon(self._status_backoff())
            return
        self._status_retry = 0.5


def _all_containers(pod: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = pod.get("spec") or {}
    return [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
