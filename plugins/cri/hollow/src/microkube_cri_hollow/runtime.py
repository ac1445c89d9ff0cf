"""The ``hollow`` container runtime (kwok's idea): pods without processes, for scale tests.

A container is a few timestamps and a :class:`~microkube_cri_hollow.behaviour.Plan`; its
state is computed when asked, from the clock — no thread, task or timer per container (a
timer exists only while an exec or attach session needs to end when the container does).
One process can so host hundreds of kubelets, each with its own hollow runtime.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import secrets
import time
from collections.abc import Iterator

from microkube.contracts.registration import FactoryContext
from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStats,
    ContainerStatus,
    ExecResult,
    Image,
    NotFoundError,
    PodSandboxConfig,
    PodSandboxStatus,
    RuntimeError_,
    RuntimeVersion,
    SandboxState,
)
from microkube.testing.fakes.exec_session import FakeExecSession
from microkube.testing.fakes.runtime import run_command
from microkube_cri_hollow.behaviour import Plan, plan_for
from microkube_cri_hollow.images import HollowImages
from microkube_cri_hollow.logs import write_cri_log
from microkube_cri_hollow.options import HollowOptions, parse_options

VERSION = "0.1.0"
#: The exit code of a container stopped by the runtime (terminated by SIGTERM).
STOPPED_EXIT_CODE = 143


class _Sandbox:
    __slots__ = ("config", "created_at_ns", "id", "ip", "state")

    def __init__(self, sandbox_id: str, config: PodSandboxConfig, ip: str) -> None:
        self.id = sandbox_id
        self.config = config
        self.ip = ip
        self.state = SandboxState.READY
        self.created_at_ns = time.time_ns()


class _Container:
    """A hollow container: its state follows from these times (see :meth:`state_at`)."""

    __slots__ = (
        "cached",
        "config",
        "created_at_ns",
        "id",
        "image_ref",
        "log_path",
        "plan",
        "sandbox_id",
        "sessions",
        "start_requested_ns",
        "stopped_at_ns",
        "timer",
    )

    def __init__(
        self, container_id: str, sandbox_id: str, config: ContainerConfig, image_ref: str
    ) -> None:
        self.id = container_id
        self.sandbox_id = sandbox_id
        self.config = config
        self.image_ref = image_ref
        self.log_path = ""
        self.plan = Plan()
        self.created_at_ns = time.time_ns()
        self.start_requested_ns = 0
        self.stopped_at_ns = 0
        self.sessions: list[FakeExecSession] | None = None
        self.timer: asyncio.TimerHandle | None = None
        #: The last status built: reused while the state is unchanged (the kubelet's PLEG
        #: lists every container every second).
        self.cached: ContainerStatus | None = None

    @property
    def started_at_ns(self) -> int:
        if not self.start_requested_ns:
            return 0
        return self.start_requested_ns + self.plan.start_delay_ns

    @property
    def natural_end_ns(self) -> int | None:
        if self.plan.exit_after_ns is None or not self.start_requested_ns:
            return None
        return self.started_at_ns + self.plan.exit_after_ns

    def state_at(self, now: int) -> tuple[ContainerState, int, int]:
        """(state, finished at, exit code) at ``now``."""
        if not self.start_requested_ns:
            return ContainerState.CREATED, 0, 0
        end = self.natural_end_ns
        if self.stopped_at_ns and (end is None or self.stopped_at_ns < end):
            return (
                ContainerState.EXITED,
                max(self.stopped_at_ns, self.started_at_ns),
                (STOPPED_EXIT_CODE if self.stopped_at_ns >= self.started_at_ns else 0),
            )
        if end is not None and now >= end:
            return ContainerState.EXITED, end, self.plan.exit_code
        if now < self.started_at_ns:
            return ContainerState.CREATED, 0, 0
        return ContainerState.RUNNING, 0, 0


class HollowRuntime:
    """A :class:`~microkube.contracts.runtime.ContainerRuntime` without processes."""

    def __init__(self, options: HollowOptions | None = None, *, node_name: str = "") -> None:
        self.options = options or HollowOptions()
        self.node_name = node_name
        self._network = ipaddress.ip_network(self.options.pod_cidr)
        self._hosts: Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address] = iter(
            self._network.hosts()
        )
        self._released: list[str] = []
        self._sandboxes: dict[str, _Sandbox] = {}
        self._containers: dict[str, _Container] = {}
        self._images = HollowImages()

    @classmethod
    def from_context(cls, context: FactoryContext) -> HollowRuntime:
        return cls(parse_options(context.options), node_name=context.node_name or "")

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for container in self._containers.values():
            self._end_sessions(container, 137)

    async def version(self) -> RuntimeVersion:
        return RuntimeVersion(runtime_name="microkube-hollow", runtime_version=VERSION)

    # -- sandboxes ----------------------------------------------------------------------

    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        if config.host_network:
            ip = self.options.node_ip
        elif config.netns_path:
            ip = ""  # the kubelet's CNI gave the pod its address
        else:
            ip = self._allocate_ip()
        sandbox = _Sandbox(secrets.token_hex(32), config, ip)
        self._sandboxes[sandbox.id] = sandbox
        return sandbox.id

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        sandbox = self._sandbox(sandbox_id)
        for container in self._containers_of(sandbox_id):
            self._stop(container)
        if sandbox.state is SandboxState.READY:
            sandbox.state = SandboxState.NOTREADY
            self._release_ip(sandbox)

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        sandbox = self._sandboxes.pop(sandbox_id, None)
        if sandbox is None:
            return  # CRI: removing a removed sandbox succeeds
        for container in self._containers_of(sandbox_id):
            self._remove(container)
        self._release_ip(sandbox)

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        return _sandbox_status(self._sandbox(sandbox_id))

    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]:
        return [_sandbox_status(s) for s in self._sandboxes.values()]

    # -- containers ---------------------------------------------------------------------

    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox_config: PodSandboxConfig
    ) -> str:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox_id} is not ready")
        image = self._images.find(config.image)
        if image is None:
            raise NotFoundError(f"image {config.image!r} not found: pull it first")
        for other in self._containers_of(sandbox_id):
            if (other.config.name, other.config.attempt) == (config.name, config.attempt):
                raise RuntimeError_(
                    f"container name {config.name!r} attempt {config.attempt} is reserved "
                    f"for {other.id}"
                )
        plan = plan_for(
            config, {**sandbox.config.annotations, **sandbox_config.annotations}, self.options
        )
        container = _Container(secrets.token_hex(32), sandbox_id, config, image.id)
        container.plan = plan
        log_dir = sandbox_config.log_directory or sandbox.config.log_directory
        if log_dir and config.log_path:
            container.log_path = os.path.join(log_dir, config.log_path)
        self._containers[container.id] = container
        return container.id

    async def start_container(self, container_id: str) -> None:
        container = self._container(container_id)
        if container.start_requested_ns:
            state, _, _ = container.state_at(time.time_ns())
            raise RuntimeError_(f"container {container_id} is {state.name}, not CREATED")
        if self._sandbox(container.sandbox_id).state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {container.sandbox_id} is not ready")
        container.start_requested_ns = time.time_ns()
        if container.plan.logs and container.log_path:
            await asyncio.to_thread(write_cri_log, container.log_path, container.plan.logs)

    async def stop_container(self, container_id: str, timeout_seconds: int) -> None:
        self._stop(self._container(container_id))

    async def remove_container(self, container_id: str) -> None:
        container = self._containers.get(container_id)
        if container is not None:
            self._remove(container)

    async def container_status(self, container_id: str) -> ContainerStatus:
        return self._status(self._container(container_id), time.time_ns())

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        now = time.time_ns()
        return [
            self._status(c, now)
            for c in self._containers.values()
            if sandbox_id is None or c.sandbox_id == sandbox_id
        ]

    # -- exec, attach, port-forward, stats ----------------------------------------------

    async def exec_sync(
        self, container_id: str, command: list[str], timeout_seconds: float
    ) -> ExecResult:
        container = self._running(container_id)
        result = run_command(
            command, stdin=b"", env=self._env(container), hostname=self._hostname(container)
        )
        if result.exit_code == 127 and result.stderr.endswith(b": not found\n"):
            # A hollow container "has" every program: what is not emulated succeeds.
            return ExecResult(exit_code=0)
        return result

    async def exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> FakeExecSession:
        container = self._running(container_id)
        session = FakeExecSession(
            command,
            stdin=stdin,
            tty=tty,
            env=self._env(container),
            hostname=self._hostname(container),
        )
        self._track(container, session)
        return session

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> FakeExecSession:
        container = self._running(container_id)
        if stdin and not container.config.stdin:
            raise RuntimeError_(f"container {container_id} was not created with stdin")
        session = FakeExecSession((), stdin=stdin, tty=tty, attached=True)
        self._track(container, session)
        return session

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox_id} is not ready")
        raise ConnectionRefusedError(
            f"hollow pod {sandbox.config.namespace}/{sandbox.config.name} runs no processes: "
            f"nothing listens on port {port}"
        )

    async def container_stats(self, container_id: str) -> ContainerStats:
        container = self._container(container_id)
        now = time.time_ns()
        state, finished, _ = container.state_at(now)
        started = container.started_at_ns
        ran_ns = 0
        if state is ContainerState.RUNNING:
            ran_ns = now - started
        elif state is ContainerState.EXITED:
            ran_ns = max(0, finished - started)
        return ContainerStats(
            container_id=container_id,
            timestamp_ns=now,
            cpu_usage_core_nanoseconds=ran_ns * container.plan.cpu_millis // 1000,
            memory_working_set_bytes=(
                container.plan.memory_bytes if state is ContainerState.RUNNING else 0
            ),
        )

    # -- images -------------------------------------------------------------------------

    async def list_images(self) -> list[Image]:
        return self._images.list()

    async def image_status(self, ref: str) -> Image | None:
        return self._images.find(ref)

    async def pull_image(self, ref: str) -> str:
        return self._images.pull(ref).id

    async def remove_image(self, ref: str) -> None:
        self._images.remove(ref)

    async def import_image(self, archive_path: str) -> list[str]:
        return await asyncio.to_thread(self._images.import_archive, archive_path)

    # -- internals ----------------------------------------------------------------------

    def _sandbox(self, sandbox_id: str) -> _Sandbox:
        try:
            return self._sandboxes[sandbox_id]
        except KeyError:
            raise NotFoundError(f"pod sandbox {sandbox_id!r} not found") from None

    def _container(self, container_id: str) -> _Container:
        try:
            return self._containers[container_id]
        except KeyError:
            raise NotFoundError(f"container {container_id!r} not found") from None

    def _running(self, container_id: str) -> _Container:
        container = self._container(container_id)
        if container.state_at(time.time_ns())[0] is not ContainerState.RUNNING:
            raise RuntimeError_(f"container {container_id} is not running")
        return container

    def _containers_of(self, sandbox_id: str) -> list[_Container]:
        return [c for c in self._containers.values() if c.sandbox_id == sandbox_id]

    def _stop(self, container: _Container) -> None:
        now = time.time_ns()
        state, _, _ = container.state_at(now)
        # As containerd: stopping a container that is not running does nothing; one still
        # in its start delay is stopped before it ran.
        if container.start_requested_ns and state is not ContainerState.EXITED:
            container.stopped_at_ns = now
            self._end_sessions(container, STOPPED_EXIT_CODE)

    def _remove(self, container: _Container) -> None:
        self._stop(container)
        self._end_sessions(container, 137)
        del self._containers[container.id]

    def _track(self, container: _Container, session: FakeExecSession) -> None:
        """Keep ``session`` to end it with the container; the one timer a container has."""
        if container.sessions is None:
            container.sessions = []
        container.sessions.append(session)
        end = container.natural_end_ns
        if end is not None and container.timer is None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, (end - time.time_ns()) / 1e9)
            container.timer = loop.call_later(
                delay, self._end_sessions, container, container.plan.exit_code
            )

    def _end_sessions(self, container: _Container, code: int) -> None:
        if container.timer is not None:
            container.timer.cancel()
            container.timer = None
        for session in container.sessions or ():
            session.terminate(code if session.attached else 137)
        container.sessions = None

    def _status(self, container: _Container, now: int) -> ContainerStatus:
        state, finished, code = container.state_at(now)
        cached = container.cached
        if cached is not None and (cached.state, cached.finished_at_ns, cached.exit_code) == (
            state,
            finished,
            code,
        ):
            return cached
        reason = ""
        if state is ContainerState.EXITED:
            natural = finished == container.natural_end_ns and not container.stopped_at_ns
            reason = (natural and container.plan.reason) or ("Completed" if code == 0 else "Error")
        container.cached = ContainerStatus(
            id=container.id,
            sandbox_id=container.sandbox_id,
            name=container.config.name,
            state=state,
            image=container.config.image,
            image_ref=container.image_ref,
            attempt=container.config.attempt,
            exit_code=code,
            reason=reason,
            message=container.plan.message if state is ContainerState.EXITED else "",
            created_at_ns=container.created_at_ns,
            started_at_ns=container.started_at_ns if state is not ContainerState.CREATED else 0,
            finished_at_ns=finished,
            log_path=container.log_path,
        )
        return container.cached

    def _hostname(self, container: _Container) -> str:
        sandbox = self._sandboxes.get(container.sandbox_id)
        if sandbox is None:
            return ""
        if sandbox.config.host_network:
            return self.node_name
        return sandbox.config.hostname or sandbox.config.name

    def _env(self, container: _Container) -> dict[str, str]:
        return {"HOSTNAME": self._hostname(container), **dict(container.config.env)}

    def _allocate_ip(self) -> str:
        if self._released:
            return self._released.pop(0)
        for ip in self._hosts:
            return str(ip)
        raise RuntimeError_(f"no free pod IP left in {self._network}")

    def _release_ip(self, sandbox: _Sandbox) -> None:
        if sandbox.ip and not sandbox.config.host_network and not sandbox.config.netns_path:
            self._released.append(sandbox.ip)
        sandbox.ip = ""


def _sandbox_status(sandbox: _Sandbox) -> PodSandboxStatus:
    return PodSandboxStatus(
        id=sandbox.id,
        name=sandbox.config.name,
        namespace=sandbox.config.namespace,
        uid=sandbox.config.uid,
        state=sandbox.state,
        ip=sandbox.ip if sandbox.state is SandboxState.READY else "",
        created_at_ns=sandbox.created_at_ns,
        labels=dict(sandbox.config.labels),
    )
