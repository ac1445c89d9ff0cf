"""The container runtime conformance suite: CRI semantics every runtime must show.

Subclass it and provide a ``runtime`` fixture yielding a *started* runtime::

    class TestProcessRuntime(RuntimeConformance):
        @pytest_asyncio.fixture
        async def runtime(self, tmp_path):
            rt = ProcessRuntime(tmp_path)
            await rt.start()
            yield rt
            await rt.close()

The commands the suite runs are class attributes (defaults are busybox commands), so a
runtime whose image lacks them can substitute its own. Tests of what a container really does
(environment, volumes, users, limits, attach, port-forward; critest's ground) run only when
:attr:`RuntimeConformance.runs_processes` is true; a simulating runtime sets it false.
``image`` must be runnable; :meth:`RuntimeConformance.ensure_image` makes it present (pulling
by default; override it to import an archive when no registry is reachable). Override the
``sandbox_config`` fixture if sandboxes need more (a network namespace, a cgroup parent).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerRuntime,
    ContainerState,
    ContainerStatus,
    ImagePullError,
    Mount,
    NotFoundError,
    PodSandboxConfig,
    Resources,
    RuntimeError_,
    SandboxState,
    SecurityContext,
)
from microkube.testing.conformance._util import eventually
from microkube.testing.oci import build_oci_archive

#: ``make_container(command, name=..., **config)`` -> container id (created, not started).
MakeContainer = Callable[..., Awaitable[str]]


class RuntimeConformance:
    """Base class of a runtime's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    image: str = "docker.io/library/busybox:latest"
    running_command: tuple[str, ...] = ("sleep", "3600")
    exiting_command: tuple[str, ...] = ("sh", "-c", "exit 3")
    exiting_code: int = 3
    succeeding_command: tuple[str, ...] = ("true",)
    echo_command: tuple[str, ...] = ("echo", "hello")
    echo_output: bytes = b"hello\n"
    failing_exec: tuple[str, ...] = ("sh", "-c", "exit 7")
    failing_exec_code: int = 7
    cat_command: tuple[str, ...] = ("cat",)
    #: A reference no registry serves.
    missing_image: str = "microkube.invalid/missing:0"
    #: Seconds stop_container may wait before killing.
    stop_timeout: int = 2
    #: Seconds to wait for a state change.
    timeout: float = 10.0
    #: Whether containers are real processes (false: the behaviour tests are skipped).
    runs_processes: bool = True
    #: Prints ``$GREETING`` then the working directory.
    env_command: tuple[str, ...] = ("sh", "-c", 'echo "$GREETING"; pwd')
    #: Ignores SIGTERM until killed.
    stubborn_command: tuple[str, ...] = ("sh", "-c", "trap '' TERM; while :; do sleep 1; done")
    #: Allocates (and touches) 256 MiB at once.
    memory_hog: tuple[str, ...] = ("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
    #: Answers ``pong`` on :attr:`listen_port` of the pod's loopback, once.
    listen_port: int = 18080
    listen_command: tuple[str, ...] = (
        "busybox",
        "nc",
        "-l",
        "-p",
        "18080",
        "-e",
        "echo",
        "pong",
    )

    async def ensure_image(self, runtime: ContainerRuntime) -> None:
        """Make :attr:`image` present; the default pulls it."""
        if await runtime.image_status(self.image) is None:
            await runtime.pull_image(self.image)

    # -- fixtures -----------------------------------------------------------------------

    @pytest.fixture
    def sandbox_config(self, tmp_path: Path) -> PodSandboxConfig:
        name = f"conformance-{uuid.uuid4().hex[:8]}"
        return PodSandboxConfig(
            name=name,
            namespace="conformance",
            uid=str(uuid.uuid4()),
            hostname=name,
            log_directory=str(tmp_path / "pod-logs"),
            labels={"microkube.io/conformance": "runtime"},
        )

    @pytest_asyncio.fixture
    async def sandbox(
        self, runtime: ContainerRuntime, sandbox_config: PodSandboxConfig
    ) -> AsyncIterator[str]:
        await self.ensure_image(runtime)
        sandbox_id = await runtime.run_pod_sandbox(sandbox_config)
        yield sandbox_id
        if await self._exists(runtime, sandbox_id):
            await runtime.stop_pod_sandbox(sandbox_id)
        await runtime.remove_pod_sandbox(sandbox_id)

    @pytest.fixture
    def make_container(
        self, runtime: ContainerRuntime, sandbox: str, sandbox_config: PodSandboxConfig
    ) -> MakeContainer:
        async def make(command: tuple[str, ...], *, name: str = "main", **fields: object) -> str:
            config = ContainerConfig(
                name=name,
                image=self.image,
                command=command,
                log_path=f"{name}/0.log",
                **fields,  # type: ignore[arg-type]
            )
            return await runtime.create_container(sandbox, config, sandbox_config)

        return make

    async def _exists(self, runtime: ContainerRuntime, sandbox_id: str) -> bool:
        try:
            await runtime.pod_sandbox_status(sandbox_id)
        except NotFoundError:
            return False
        return True

    async def wait_state(
        self, runtime: ContainerRuntime, container_id: str, state: ContainerState
    ) -> ContainerStatus:
        return await eventually(
            lambda: runtime.container_status(container_id),
            lambda s: s.state is state,
            within=self.timeout,
            what=f"container {container_id[:12]} to be {state.name}",
        )

    async def started(self, runtime: ContainerRuntime, make: MakeContainer) -> str:
        container_id = await make(self.running_command)
        await runtime.start_container(container_id)
        await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        return container_id

    # -- runtime and sandboxes ----------------------------------------------------------

    async def test_fulfils_protocol(self, runtime: ContainerRuntime) -> None:
        assert isinstance(runtime, ContainerRuntime)

    async def test_version(self, runtime: ContainerRuntime) -> None:
        version = await runtime.version()
        assert version.runtime_name and version.runtime_version
        assert version.runtime_api_version == "v1"

    async def test_run_sandbox(
        self, runtime: ContainerRuntime, sandbox: str, sandbox_config: PodSandboxConfig
    ) -> None:
        status = await runtime.pod_sandbox_status(sandbox)
        assert status.id == sandbox and status.state is SandboxState.READY
        assert (status.name, status.namespace, status.uid) == (
            sandbox_config.name,
            sandbox_config.namespace,
            sandbox_config.uid,
        )
        assert status.created_at_ns > 0
        assert status.labels.get("microkube.io/conformance") == "runtime"
        assert sandbox in [s.id for s in await runtime.list_pod_sandboxes()]

    async def test_stop_sandbox_is_idempotent(
        self, runtime: ContainerRuntime, sandbox: str
    ) -> None:
        await runtime.stop_pod_sandbox(sandbox)
        assert (await runtime.pod_sandbox_status(sandbox)).state is SandboxState.NOTREADY
        await runtime.stop_pod_sandbox(sandbox)
        assert (await runtime.pod_sandbox_status(sandbox)).state is SandboxState.NOTREADY

    async def test_remove_sandbox_is_idempotent(
        self, runtime: ContainerRuntime, sandbox: str
    ) -> None:
        await runtime.stop_pod_sandbox(sandbox)
        await runtime.remove_pod_sandbox(sandbox)
        with pytest.raises(NotFoundError):
            await runtime.pod_sandbox_status(sandbox)
        assert sandbox not in [s.id for s in await runtime.list_pod_sandboxes()]
        await runtime.remove_pod_sandbox(sandbox)

    async def test_unknown_sandbox_is_not_found(
        self, runtime: ContainerRuntime, sandbox_config: PodSandboxConfig
    ) -> None:
        with pytest.raises(NotFoundError):
            await runtime.pod_sandbox_status("0" * 64)
        await self.ensure_image(runtime)
        config = ContainerConfig(name="c", image=self.image, command=self.running_command)
        with pytest.raises(NotFoundError):
            await runtime.create_container("0" * 64, config, sandbox_config)

    # -- containers ---------------------------------------------------------------------

    async def test_create_container(
        self, runtime: ContainerRuntime, sandbox: str, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.running_command, name="app")
        status = await runtime.container_status(container_id)
        assert status.id == container_id and status.sandbox_id == sandbox
        assert status.name == "app" and status.state is ContainerState.CREATED
        assert status.created_at_ns > 0 and status.started_at_ns == 0
        assert status.image_ref
        listed = await runtime.list_containers(sandbox)
        assert [c.id for c in listed] == [container_id]
        assert container_id in [c.id for c in await runtime.list_containers()]

    async def test_list_containers_filters_by_sandbox(
        self,
        runtime: ContainerRuntime,
        sandbox: str,
        sandbox_config: PodSandboxConfig,
        make_container: MakeContainer,
    ) -> None:
        mine = await make_container(self.running_command)
        other_config = PodSandboxConfig(
            name=sandbox_config.name + "-other",
            namespace=sandbox_config.namespace,
            uid=str(uuid.uuid4()),
            log_directory=sandbox_config.log_directory,
        )
        other = await runtime.run_pod_sandbox(other_config)
        try:
            assert await runtime.list_containers(other) == []
            assert [c.id for c in await runtime.list_containers(sandbox)] == [mine]
        finally:
            await runtime.stop_pod_sandbox(other)
            await runtime.remove_pod_sandbox(other)

    async def test_start_container_runs_it(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.running_command)
        await runtime.start_container(container_id)
        status = await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        assert status.started_at_ns >= status.created_at_ns > 0
        assert status.finished_at_ns == 0

    async def test_start_running_container_fails(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        with pytest.raises(RuntimeError_):
            await runtime.start_container(container_id)

    async def test_failing_container_exits_with_error(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.exiting_command)
        await runtime.start_container(container_id)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert status.exit_code == self.exiting_code
        assert status.reason == "Error"
        assert status.finished_at_ns >= status.started_at_ns > 0

    async def test_succeeding_container_completes(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.succeeding_command)
        await runtime.start_container(container_id)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert status.exit_code == 0 and status.reason == "Completed"

    async def test_container_output_goes_to_cri_log(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.echo_command, name="logger")
        await runtime.start_container(container_id)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert status.log_path.endswith("logger/0.log")
        log = await asyncio.to_thread(Path(status.log_path).read_bytes)
        lines = log.splitlines()
        timestamp, stream, tag, content = lines[-1].split(b" ", 3)
        assert timestamp.endswith(b"Z") and stream == b"stdout" and tag == b"F"
        assert content + b"\n" == self.echo_output

    async def test_stop_container_is_idempotent(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        await runtime.stop_container(container_id, self.stop_timeout)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert status.finished_at_ns >= status.started_at_ns
        await runtime.stop_container(container_id, self.stop_timeout)
        assert (await runtime.container_status(container_id)).state is ContainerState.EXITED

    async def test_stop_sandbox_stops_its_containers(
        self, runtime: ContainerRuntime, sandbox: str, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        await runtime.stop_pod_sandbox(sandbox)
        await self.wait_state(runtime, container_id, ContainerState.EXITED)

    async def test_remove_container_is_idempotent(
        self, runtime: ContainerRuntime, sandbox: str, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        await runtime.remove_container(container_id)  # running: removed forcibly
        with pytest.raises(NotFoundError):
            await runtime.container_status(container_id)
        assert container_id not in [c.id for c in await runtime.list_containers(sandbox)]
        await runtime.remove_container(container_id)

    async def test_remove_sandbox_removes_its_containers(
        self, runtime: ContainerRuntime, sandbox: str, make_container: MakeContainer
    ) -> None:
        running = await self.started(runtime, make_container)
        created = await make_container(self.running_command, name="second")
        await runtime.stop_pod_sandbox(sandbox)
        await runtime.remove_pod_sandbox(sandbox)
        for container_id in (running, created):
            with pytest.raises(NotFoundError):
                await runtime.container_status(container_id)

    async def test_unknown_container_is_not_found(self, runtime: ContainerRuntime) -> None:
        with pytest.raises(NotFoundError):
            await runtime.container_status("f" * 64)
        with pytest.raises(NotFoundError):
            await runtime.start_container("f" * 64)

    async def test_create_with_absent_image_fails(
        self, runtime: ContainerRuntime, sandbox: str, sandbox_config: PodSandboxConfig
    ) -> None:
        config = ContainerConfig(name="c", image=self.missing_image, command=self.running_command)
        with pytest.raises(RuntimeError_):
            await runtime.create_container(sandbox, config, sandbox_config)

    # -- exec and stats -----------------------------------------------------------------

    async def test_exec_sync(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        result = await runtime.exec_sync(container_id, list(self.echo_command), self.timeout)
        assert result.exit_code == 0 and result.stdout == self.echo_output
        failed = await runtime.exec_sync(container_id, list(self.failing_exec), self.timeout)
        assert failed.exit_code == self.failing_exec_code

    async def test_exec_sync_in_stopped_container_fails(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        await runtime.stop_container(container_id, self.stop_timeout)
        await self.wait_state(runtime, container_id, ContainerState.EXITED)
        with pytest.raises(RuntimeError_):
            await runtime.exec_sync(container_id, list(self.echo_command), self.timeout)

    async def test_exec_streams_stdin_and_output(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        session = await runtime.exec(container_id, list(self.cat_command), stdin=True, tty=False)
        await session.write_stdin(b"ping\n")
        await session.close_stdin()
        async with asyncio.timeout(self.timeout):
            chunks = [chunk async for chunk in session.output()]
            code = await session.wait()
        assert code == 0
        assert b"".join(data for stream, data in chunks if stream == 1) == b"ping\n"

    async def test_exec_without_stdin(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        session = await runtime.exec(container_id, list(self.echo_command), stdin=False, tty=False)
        async with asyncio.timeout(self.timeout):
            chunks = [chunk async for chunk in session.output()]
            assert await session.wait() == 0
        assert b"".join(data for stream, data in chunks if stream == 1) == self.echo_output

    async def test_container_stats(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await self.started(runtime, make_container)
        stats = await runtime.container_stats(container_id)
        assert stats.container_id == container_id
        assert stats.timestamp_ns > 0
        assert stats.cpu_usage_core_nanoseconds >= 0 and stats.memory_working_set_bytes >= 0

    # -- images -------------------------------------------------------------------------

    async def test_image_present_and_listed(self, runtime: ContainerRuntime) -> None:
        await self.ensure_image(runtime)
        image = await runtime.image_status(self.image)
        assert image is not None and image.id
        assert image.id in [i.id for i in await runtime.list_images()]

    async def test_image_status_of_unknown_is_none(self, runtime: ContainerRuntime) -> None:
        assert await runtime.image_status(self.missing_image) is None

    async def test_pull_missing_image_fails(self, runtime: ContainerRuntime) -> None:
        with pytest.raises(ImagePullError):
            await runtime.pull_image(self.missing_image)
        assert await runtime.image_status(self.missing_image) is None

    async def test_import_and_remove_image(self, runtime: ContainerRuntime, tmp_path: Path) -> None:
        name = f"example.local/conformance-{uuid.uuid4().hex[:8]}:1"
        archive = build_oci_archive(tmp_path / "image.tar", name, files={"/hello": b"hi\n"})
        names = await runtime.import_image(str(archive))
        assert name in names
        image = await runtime.image_status(name)
        assert image is not None and name in image.repo_tags
        assert image.id in [i.id for i in await runtime.list_images()]
        await runtime.remove_image(name)
        assert await runtime.image_status(name) is None
        await runtime.remove_image(name)

    # -- what containers really do (critest's ground) -------------------------------------

    def _real(self) -> None:
        if not self.runs_processes:
            pytest.skip("this runtime simulates containers")

    async def _exited_log(self, runtime: ContainerRuntime, container_id: str) -> list[bytes]:
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        log = await asyncio.to_thread(Path(status.log_path).read_bytes)
        return [line.split(b" ", 3)[3] for line in log.splitlines()]

    async def test_env_and_working_dir(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        self._real()
        container_id = await make_container(
            self.env_command, env=(("GREETING", "hello env"),), working_dir="/tmp"
        )
        await runtime.start_container(container_id)
        assert await self._exited_log(runtime, container_id) == [b"hello env", b"/tmp"]

    async def test_mount_is_visible_read_only(
        self, runtime: ContainerRuntime, make_container: MakeContainer, tmp_path: Path
    ) -> None:
        self._real()
        volume = tmp_path / "volume"
        volume.mkdir()
        (volume / "greeting").write_text("hello volume\n")
        target = f"/mnt/conformance-{uuid.uuid4().hex[:8]}"
        mount = Mount(container_path=target, host_path=str(volume), readonly=True)
        container_id = await make_container(self.running_command, mounts=(mount,))
        await runtime.start_container(container_id)
        await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        read = await runtime.exec_sync(container_id, ["cat", f"{target}/greeting"], self.timeout)
        assert read.stdout == b"hello volume\n"
        write = await runtime.exec_sync(
            container_id, ["sh", "-c", f"echo x > {target}/new"], self.timeout
        )
        assert write.exit_code != 0 and not (volume / "new").exists()

    async def test_run_as_user_and_group(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        self._real()
        security = SecurityContext(run_as_user=65534, run_as_group=65534)
        container_id = await make_container(self.running_command, security=security)
        await runtime.start_container(container_id)
        await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        result = await runtime.exec_sync(container_id, ["sh", "-c", "id -u; id -g"], self.timeout)
        assert result.stdout.split() == [b"65534", b"65534"]

    async def test_hostname_is_the_sandbox_hostname(
        self,
        runtime: ContainerRuntime,
        make_container: MakeContainer,
        sandbox_config: PodSandboxConfig,
    ) -> None:
        container_id = await self.started(runtime, make_container)
        result = await runtime.exec_sync(container_id, ["hostname"], self.timeout)
        assert result.stdout.strip() == sandbox_config.hostname.encode()

    async def test_stop_kills_after_the_grace_period(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        self._real()
        container_id = await make_container(self.stubborn_command)
        await runtime.start_container(container_id)
        await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        await runtime.stop_container(container_id, 1)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert status.exit_code == 137

    async def test_memory_limit_ends_in_oomkilled(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        self._real()
        limit = Resources(memory_limit_bytes=32 * 1024 * 1024)
        container_id = await make_container(self.memory_hog, resources=limit)
        await runtime.start_container(container_id)
        status = await self.wait_state(runtime, container_id, ContainerState.EXITED)
        assert (status.exit_code, status.reason) == (137, "OOMKilled")

    async def test_attach_streams_stdin_and_output(
        self, runtime: ContainerRuntime, make_container: MakeContainer
    ) -> None:
        container_id = await make_container(self.cat_command, stdin=True)
        await runtime.start_container(container_id)
        await self.wait_state(runtime, container_id, ContainerState.RUNNING)
        session = await runtime.attach(container_id, stdin=True, tty=False)
        await session.write_stdin(b"attached\n")
        output = session.output()
        async with asyncio.timeout(self.timeout):
            stream, data = await anext(output)
            while not data.endswith(b"\n"):
                data += (await anext(output))[1]
        await output.aclose()
        assert (stream, data) == (1, b"attached\n")

    async def test_port_forward_reaches_the_pod_loopback(
        self, runtime: ContainerRuntime, sandbox: str, make_container: MakeContainer
    ) -> None:
        self._real()
        container_id = await make_container(self.listen_command)
        await runtime.start_container(container_id)

        async def exchange() -> bytes:
            reader, writer = await runtime.port_forward(sandbox, self.listen_port)
            try:
                return await reader.read()
            finally:
                writer.close()

        async def attempt() -> bytes:
            try:
                return await exchange()
            except OSError:
                return b""

        reply = await eventually(attempt, bool, within=self.timeout, what="the pod to answer")
        assert reply == b"pong\n"
        with pytest.raises(OSError):
            await exchange()  # nothing listens any more: nc answered once
