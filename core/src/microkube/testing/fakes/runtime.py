"""An in-memory, CRI-shaped container runtime for tests.

Sandboxes get IPs from a fake pod range; containers move CREATED -> RUNNING -> EXITED on the
event loop's clock. What a container does is scripted: by command or image
(:meth:`FakeRuntime.script`), by the built-in emulation of a few commands (``sleep 5`` exits
after 5 s, ``false`` exits 1, ``sh -c 'exit 3'`` exits 3; anything else keeps running), or
from the test with :meth:`FakeRuntime.exit_container`. Images are pulled from an imaginary
registry holding :attr:`FakeRuntime.registry`; anything else fails with ImagePullError.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import secrets
import tarfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

import attrs

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStats,
    ContainerStatus,
    ExecResult,
    Image,
    ImagePullError,
    NotFoundError,
    PodSandboxConfig,
    PodSandboxStatus,
    RuntimeError_,
    RuntimeVersion,
    SandboxState,
)
from microkube.images import archive_names, image_id, normalize_ref
from microkube.testing.fakes._commands import ContainerBehaviour, container_behaviour, run_command
from microkube.testing.fakes.exec_session import FakeExecSession
from microkube.testing.recording import Recorded, recorded

#: Images the imaginary registry serves unless told otherwise.
DEFAULT_REGISTRY = ("registry.k8s.io/pause:3.10", "busybox:latest", "nginx:latest")


@attrs.define
class _Sandbox:
    id: str
    config: PodSandboxConfig
    state: SandboxState
    ip: str
    created_at_ns: int
    #: port -> (host, port) that port_forward connects to instead of 127.0.0.1:port
    forwards: dict[int, tuple[str, int]] = attrs.field(factory=dict)


@attrs.define
class _Container:
    id: str
    sandbox_id: str
    config: ContainerConfig
    image_ref: str
    log_path: str
    state: ContainerState = ContainerState.CREATED
    created_at_ns: int = 0
    started_at_ns: int = 0
    finished_at_ns: int = 0
    started_loop_time: float = 0.0
    finished_loop_time: float = 0.0
    exit_code: int = 0
    reason: str = ""
    message: str = ""
    behaviour: ContainerBehaviour = attrs.field(factory=ContainerBehaviour)
    timer: asyncio.Handle | None = None
    sessions: list[FakeExecSession] = attrs.field(factory=list)


@attrs.frozen
class _Script:
    behaviour: ContainerBehaviour
    image: str | None
    command: tuple[str, ...] | None

    def matches(self, image: str, argv: tuple[str, ...]) -> bool:
        return (self.image is None or self.image == image) and (
            self.command is None or self.command == argv
        )


class FakeRuntime(Recorded):
    """A :class:`~microkube.contracts.runtime.ContainerRuntime` in memory.

    ``registry`` lists the references :meth:`pull_image` can fetch; ``images`` are present
    from the start; ``pod_cidr`` is where sandbox IPs come from; ``node_ip`` is the IP of
    host-network sandboxes.
    """

    def __init__(
        self,
        *,
        registry: Iterable[str] = DEFAULT_REGISTRY,
        images: Iterable[str] = (),
        pod_cidr: str = "10.88.0.0/16",
        node_ip: str = "10.0.0.1",
        name: str = "fake",
    ) -> None:
        self.registry: set[str] = {normalize_ref(r) for r in registry}
        self.node_ip = node_ip
        self.name = name
        self._network = ipaddress.ip_network(pod_cidr)
        self._free_ips: Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address] = iter(
            self._network.hosts()
        )
        self._released_ips: list[str] = []
        self._sandboxes: dict[str, _Sandbox] = {}
        self._containers: dict[str, _Container] = {}
        self._images: dict[str, Image] = {}  # by id
        self._tags: dict[str, str] = {}  # normalised ref -> image id
        self._scripts: list[_Script] = []
        self._exec_scripts: dict[tuple[str, ...], ExecResult] = {}
        for ref in images:
            self._store_image(normalize_ref(ref))

    # -- test hooks ---------------------------------------------------------------------

    def script(
        self,
        behaviour: ContainerBehaviour,
        *,
        image: str | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        """Containers of ``image`` and/or whose command + args equal ``command`` behave so
        (the latest matching script wins over earlier ones and over the built-ins)."""
        ref = normalize_ref(image) if image else None
        self._scripts.insert(0, _Script(behaviour, ref, tuple(command) if command else None))

    def script_exec(self, command: Sequence[str], result: ExecResult) -> None:
        """``exec_sync``/``exec`` of exactly ``command`` returns ``result``."""
        self._exec_scripts[tuple(command)] = result

    def exit_container(
        self, container_id: str, exit_code: int = 0, reason: str = "", message: str = ""
    ) -> None:
        """Make a running container exit now (``reason`` defaults to Completed/Error;
        ``OOMKilled`` with 137 for an OOM kill)."""
        container = self._container(container_id)
        if container.state is not ContainerState.RUNNING:
            raise RuntimeError_(f"container {container_id} is {container.state.name}, not running")
        self._exit(container, exit_code, reason, message)

    def write_log(self, container_id: str, data: bytes, *, stream: str = "stdout") -> None:
        """Append ``data`` to the container's log file in the CRI log format."""
        self._write_log(self._container(container_id), data, stream)

    def forward_port(self, sandbox_id: str, port: int, host: str, host_port: int) -> None:
        """:meth:`port_forward` to ``port`` of this sandbox connects to ``host:host_port``
        (a server the test runs stands in for the pod's)."""
        self._sandbox(sandbox_id).forwards[port] = (host, host_port)

    def sandbox_ids(self) -> list[str]:
        return list(self._sandboxes)

    def container_ids(self) -> list[str]:
        return list(self._containers)

    # -- lifecycle ----------------------------------------------------------------------

    @recorded
    async def start(self) -> None:
        return None

    @recorded
    async def close(self) -> None:
        for container in self._containers.values():
            if container.timer is not None:
                container.timer.cancel()
            for session in container.sessions:
                session.terminate(137)

    @recorded
    async def version(self) -> RuntimeVersion:
        return RuntimeVersion(runtime_name=self.name, runtime_version="0.1.0")

    # -- sandboxes ----------------------------------------------------------------------

    @recorded
    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        if config.host_network:
            ip = self.node_ip
        elif config.netns_path:
            ip = config.pod_ip  # the kubelet ran CNI in its own namespace and says the IP
        else:
            ip = self._allocate_ip()
        sandbox = _Sandbox(_new_id(), config, SandboxState.READY, ip, time.time_ns())
        self._sandboxes[sandbox.id] = sandbox
        return sandbox.id

    @recorded
    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        sandbox = self._sandbox(sandbox_id)
        for container in self._containers_of(sandbox_id):
            self._stop(container)
        if sandbox.state is SandboxState.READY:
            sandbox.state = SandboxState.NOTREADY
            self._release_ip(sandbox)

    @recorded
    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return  # CRI: removing a removed sandbox succeeds
        for container in self._containers_of(sandbox_id):
            self._remove(container)
        self._release_ip(sandbox)
        del self._sandboxes[sandbox_id]

    @recorded
    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        return self._sandbox_status(self._sandbox(sandbox_id))

    @recorded
    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]:
        return [self._sandbox_status(s) for s in self._sandboxes.values()]

    # -- containers ---------------------------------------------------------------------

    @recorded
    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox_config: PodSandboxConfig
    ) -> str:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"sandbox {sandbox_id} is not ready")
        ref = normalize_ref(config.image) if not config.image.startswith("sha256:") else ""
        image = self._images.get(config.image) or self._images.get(self._tags.get(ref, ""))
        if image is None:
            raise NotFoundError(f"image {config.image!r} not found")
        for other in self._containers_of(sandbox_id):
            if (other.config.name, other.config.attempt) == (config.name, config.attempt):
                raise RuntimeError_(
                    f"container name {config.name!r} attempt {config.attempt} is reserved "
                    f"for {other.id}"
                )
        log_dir = sandbox_config.log_directory or sandbox.config.log_directory
        container = _Container(
            id=_new_id(),
            sandbox_id=sandbox_id,
            config=config,
            image_ref=image.id,
            log_path=os.path.join(log_dir, config.log_path) if log_dir and config.log_path else "",
            created_at_ns=time.time_ns(),
            behaviour=self._behaviour_for(ref, (*config.command, *config.args), config.stdin),
        )
        self._containers[container.id] = container
        return container.id

    @recorded
    async def start_container(self, container_id: str) -> None:
        container = self._container(container_id)
        if container.state is not ContainerState.CREATED:
            raise RuntimeError_(f"container {container_id} is {container.state.name}")
        loop = asyncio.get_running_loop()
        container.state = ContainerState.RUNNING
        container.started_at_ns = time.time_ns()
        container.started_loop_time = loop.time()
        behaviour = container.behaviour
        if behaviour.logs:
            self._write_log(container, behaviour.logs, "stdout")
        if behaviour.exit_code is not None:
            args = (container, behaviour.exit_code, behaviour.reason, behaviour.message)
            # call_soon for "at once": it runs before a task yielding now resumes.
            container.timer = (
                loop.call_later(behaviour.after, self._exit, *args)
                if behaviour.after > 0
                else loop.call_soon(self._exit, *args)
            )

    @recorded
    async def stop_container(self, container_id: str, timeout_seconds: int) -> None:
        self._stop(self._container(container_id))

    @recorded
    async def remove_container(self, container_id: str) -> None:
        container = self._containers.get(container_id)
        if container is not None:
            self._remove(container)

    @recorded
    async def container_status(self, container_id: str) -> ContainerStatus:
        return self._status(self._container(container_id))

    @recorded
    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        return [
            self._status(c)
            for c in self._containers.values()
            if sandbox_id is None or c.sandbox_id == sandbox_id
        ]

    @recorded
    async def exec_sync(
        self, container_id: str, command: list[str], timeout_seconds: float
    ) -> ExecResult:
        container = self._running(container_id)
        scripted = self._exec_scripts.get(tuple(command))
        if scripted is not None:
            return scripted
        argv = list(command)
        program = argv[0].rsplit("/", 1)[-1] if argv else ""
        if program == "sleep" and len(argv) == 2 and argv[1].replace(".", "", 1).isdigit():
            seconds = float(argv[1])
            if timeout_seconds and seconds > timeout_seconds:
                await asyncio.sleep(timeout_seconds)
                raise RuntimeError_(f"timeout {timeout_seconds}s exceeded running {argv}")
            await asyncio.sleep(seconds)
            return ExecResult(exit_code=0)
        return run_command(
            argv, stdin=b"", env=self._env(container), hostname=self._host(container)
        )

    @recorded
    async def exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> FakeExecSession:
        container = self._running(container_id)
        session = FakeExecSession(
            command,
            stdin=stdin,
            tty=tty,
            env=self._env(container),
            hostname=self._host(container),
        )
        container.sessions.append(session)
        return session

    @recorded
    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> FakeExecSession:
        container = self._running(container_id)
        if stdin and not container.config.stdin:
            raise RuntimeError_(f"container {container_id} was not created with stdin")
        session = FakeExecSession((), stdin=stdin, tty=tty, attached=True)
        container.sessions.append(session)
        return session

    @recorded
    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox_id} is not ready")
        host, host_port = sandbox.forwards.get(port, ("127.0.0.1", port))
        return await asyncio.open_connection(host, host_port)

    @recorded
    async def container_stats(self, container_id: str) -> ContainerStats:
        container = self._container(container_id)
        running = container.state is ContainerState.RUNNING
        if container.started_loop_time:
            end = asyncio.get_running_loop().time() if running else container.finished_loop_time
            seconds = max(0.0, end - container.started_loop_time)
        else:
            seconds = 0.0
        return ContainerStats(
            container_id=container.id,
            timestamp_ns=time.time_ns(),
            # 1% of a core while running.
            cpu_usage_core_nanoseconds=int(seconds * 10_000_000),
            memory_working_set_bytes=container.behaviour.memory_bytes if running else 0,
        )

    # -- images -------------------------------------------------------------------------

    @recorded
    async def list_images(self) -> list[Image]:
        return list(self._images.values())

    @recorded
    async def image_status(self, ref: str) -> Image | None:
        return self._find_image(ref)

    @recorded
    async def pull_image(self, ref: str) -> str:
        normal = normalize_ref(ref)
        if normal not in self.registry:
            raise ImagePullError(f"failed to pull {ref!r}: not found in the registry")
        return self._store_image(normal).id

    @recorded
    async def remove_image(self, ref: str) -> None:
        image = self._find_image(ref)
        if image is None:
            return  # CRI: removing a removed image succeeds
        del self._images[image.id]
        for tag in [t for t, i in self._tags.items() if i == image.id]:
            del self._tags[tag]

    @recorded
    async def import_image(self, archive_path: str) -> list[str]:
        try:
            names = archive_names(archive_path)
        except (OSError, ValueError, KeyError, tarfile.TarError) as exc:
            raise RuntimeError_(f"cannot import {archive_path}: {exc}") from exc
        normalised = [normalize_ref(n) for n in names]
        for name in normalised:
            self._store_image(name)
        return normalised

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
        if container.state is not ContainerState.RUNNING:
            raise RuntimeError_(f"container {container_id} is not running")
        return container

    def _containers_of(self, sandbox_id: str) -> list[_Container]:
        return [c for c in self._containers.values() if c.sandbox_id == sandbox_id]

    def _behaviour_for(self, image: str, argv: tuple[str, ...], stdin: bool) -> ContainerBehaviour:
        for script in self._scripts:
            if script.matches(image, argv):
                return script.behaviour
        return container_behaviour(argv, stdin=stdin)

    def _exit(self, container: _Container, code: int, reason: str, message: str) -> None:
        if container.state is not ContainerState.RUNNING:
            return
        container.timer = None
        container.state = ContainerState.EXITED
        container.exit_code = code
        container.reason = reason or ("Completed" if code == 0 else "Error")
        container.message = message
        container.finished_at_ns = max(time.time_ns(), container.started_at_ns)
        container.finished_loop_time = asyncio.get_running_loop().time()
        for session in container.sessions:
            session.terminate(code if session.attached else 137)
        container.sessions.clear()

    def _stop(self, container: _Container) -> None:
        if container.timer is not None:
            container.timer.cancel()
        # As containerd: stopping a container that is not running (created, exited) does nothing.
        if container.state is ContainerState.RUNNING:
            self._exit(container, container.behaviour.stop_exit_code, "", "")

    def _remove(self, container: _Container) -> None:
        self._stop(container)
        del self._containers[container.id]

    def _status(self, c: _Container) -> ContainerStatus:
        return ContainerStatus(
            id=c.id,
            sandbox_id=c.sandbox_id,
            name=c.config.name,
            state=c.state,
            image=c.config.image,
            image_ref=c.image_ref,
            attempt=c.config.attempt,
            exit_code=c.exit_code,
            reason=c.reason,
            message=c.message,
            created_at_ns=c.created_at_ns,
            started_at_ns=c.started_at_ns,
            finished_at_ns=c.finished_at_ns,
            log_path=c.log_path,
        )

    def _sandbox_status(self, s: _Sandbox) -> PodSandboxStatus:
        return PodSandboxStatus(
            id=s.id,
            name=s.config.name,
            namespace=s.config.namespace,
            uid=s.config.uid,
            state=s.state,
            ip=s.ip if s.state is SandboxState.READY else "",
            created_at_ns=s.created_at_ns,
            labels=dict(s.config.labels),
        )

    def _env(self, container: _Container) -> dict[str, str]:
        return {"HOSTNAME": self._host(container), **dict(container.config.env)}

    def _host(self, container: _Container) -> str:
        sandbox = self._sandboxes.get(container.sandbox_id)
        if sandbox is None:
            return ""
        return sandbox.config.hostname or sandbox.config.name

    def _allocate_ip(self) -> str:
        if self._released_ips:
            return self._released_ips.pop(0)
        for ip in self._free_ips:
            return str(ip)
        raise RuntimeError_(f"no free IP left in {self._network}")

    def _release_ip(self, sandbox: _Sandbox) -> None:
        if sandbox.ip and sandbox.ip != self.node_ip and not sandbox.config.host_network:
            self._released_ips.append(sandbox.ip)
            sandbox.ip = ""

    def _find_image(self, ref: str) -> Image | None:
        if ref in self._images:
            return self._images[ref]
        return self._images.get(self._tags.get(normalize_ref(ref), ""))

    def _store_image(self, ref: str) -> Image:
        existing = self._find_image(ref)
        if existing is not None:
            return existing
        image = Image(
            id=image_id(ref),
            repo_tags=(ref,),
            repo_digests=(f"{ref.rsplit(':', 1)[0]}@{image_id(ref)}",),
            size_bytes=1024 * 1024,
        )
        self._images[image.id] = image
        self._tags[ref] = image.id
        return image

    def _write_log(self, container: _Container, data: bytes, stream: str) -> None:
        if not container.log_path:
            return
        os.makedirs(os.path.dirname(container.log_path), exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with open(container.log_path, "ab") as log:
            for line in data.splitlines():
                log.write(f"{stamp} {stream} F ".encode() + line + b"\n")


def _new_id() -> str:
    return secrets.token_hex(32)
