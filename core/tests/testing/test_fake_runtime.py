"""FakeRuntime: the runtime conformance suite, plus the fake's scripting hooks."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ExecResult,
    ImagePullError,
    NotFoundError,
    PodSandboxConfig,
    RuntimeError_,
)
from microkube.testing.conformance.runtime import RuntimeConformance
from microkube.testing.fakes.exec_session import FakeExecSession
from microkube.testing.fakes.runtime import ContainerBehaviour, FakeRuntime


class TestFakeRuntimeConformance(RuntimeConformance):
    runs_processes = False  # the fake simulates containers

    @pytest.fixture
    async def runtime(self) -> AsyncIterator[FakeRuntime]:
        rt = FakeRuntime()
        await rt.start()
        yield rt
        await rt.close()


@pytest.fixture
async def runtime() -> AsyncIterator[FakeRuntime]:
    rt = FakeRuntime()
    await rt.start()
    yield rt
    await rt.close()


SANDBOX = PodSandboxConfig(name="web-0", namespace="default", uid="uid-1", hostname="web-0")


async def run(runtime: FakeRuntime, *command: str, image: str = "busybox", **fields) -> str:
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    config = ContainerConfig(name=f"c{len(runtime.container_ids())}", image=image, **fields)
    config = attrs.evolve(config, command=command)
    cid = await runtime.create_container(sandbox, config, SANDBOX)
    await runtime.start_container(cid)
    return cid


@pytest.fixture(autouse=True)
async def _busybox(runtime: FakeRuntime) -> None:
    await runtime.pull_image("busybox")


async def test_sandbox_ips_come_from_the_pod_range(runtime: FakeRuntime) -> None:
    first = await runtime.run_pod_sandbox(SANDBOX)
    second = await runtime.run_pod_sandbox(SANDBOX)
    ips = [(await runtime.pod_sandbox_status(s)).ip for s in (first, second)]
    assert ips == ["10.88.0.1", "10.88.0.2"]
    host = await runtime.run_pod_sandbox(attrs.evolve(SANDBOX, host_network=True))
    assert (await runtime.pod_sandbox_status(host)).ip == runtime.node_ip
    own_netns = await runtime.run_pod_sandbox(
        attrs.evolve(SANDBOX, netns_path="/run/netns/x", pod_ip="10.244.0.9")
    )
    assert (await runtime.pod_sandbox_status(own_netns)).ip == "10.244.0.9", "the kubelet's IP"
    await runtime.stop_pod_sandbox(first)
    third = await runtime.run_pod_sandbox(SANDBOX)
    assert (await runtime.pod_sandbox_status(third)).ip == "10.88.0.1", "released IPs are reused"


async def test_builtin_command_behaviour(runtime: FakeRuntime) -> None:
    false = await run(runtime, "false")
    exit3 = await run(runtime, "sh", "-c", "exit 3")
    forever = await run(runtime, "/app/server", "--port", "80")
    await asyncio.sleep(0)
    assert (await runtime.container_status(false)).exit_code == 1
    status = await runtime.container_status(exit3)
    assert (status.state, status.exit_code, status.reason) == (ContainerState.EXITED, 3, "Error")
    assert (await runtime.container_status(forever)).state is ContainerState.RUNNING


async def test_sleep_exits_after_its_time(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "0.02")
    assert (await runtime.container_status(cid)).state is ContainerState.RUNNING
    await asyncio.sleep(0.05)
    status = await runtime.container_status(cid)
    assert (status.state, status.exit_code, status.reason) == (
        ContainerState.EXITED,
        0,
        "Completed",
    )


async def test_scripted_behaviour_by_image_and_command(runtime: FakeRuntime) -> None:
    runtime.registry.add("docker.io/library/crasher:latest")
    await runtime.pull_image("crasher")
    runtime.script(ContainerBehaviour(exit_code=2, message="segfault"), image="crasher")
    runtime.script(ContainerBehaviour(exit_code=0), command=["/bin/job", "--once"])
    crashed = await run(runtime, "/anything", image="crasher")
    job = await run(runtime, "/bin/job", "--once")
    await asyncio.sleep(0)
    status = await runtime.container_status(crashed)
    assert (status.exit_code, status.reason, status.message) == (2, "Error", "segfault")
    assert (await runtime.container_status(job)).reason == "Completed"


async def test_exit_container_from_the_test(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    runtime.exit_container(cid, 137, reason="OOMKilled")
    status = await runtime.container_status(cid)
    assert (status.state, status.exit_code, status.reason) == (
        ContainerState.EXITED,
        137,
        "OOMKilled",
    )
    with pytest.raises(RuntimeError_):
        runtime.exit_container(cid)


async def test_stop_reports_sigterm(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    await runtime.stop_container(cid, 5)
    assert (await runtime.container_status(cid)).exit_code == 143


async def test_stopping_a_created_container_leaves_it_created(runtime: FakeRuntime) -> None:
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    config = ContainerConfig(name="c", image="busybox", command=("sleep", "1"))
    cid = await runtime.create_container(sandbox, config, SANDBOX)
    await runtime.stop_container(cid, 1)
    assert (await runtime.container_status(cid)).state is ContainerState.CREATED


async def test_container_names_are_reserved_per_attempt(runtime: FakeRuntime) -> None:
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    config = ContainerConfig(name="app", image="busybox")
    await runtime.create_container(sandbox, config, SANDBOX)
    with pytest.raises(RuntimeError_, match="reserved"):
        await runtime.create_container(sandbox, config, SANDBOX)
    await runtime.create_container(sandbox, attrs.evolve(config, attempt=1), SANDBOX)


async def test_create_in_a_stopped_sandbox_fails(runtime: FakeRuntime) -> None:
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    await runtime.stop_pod_sandbox(sandbox)
    with pytest.raises(RuntimeError_, match="not ready"):
        await runtime.create_container(sandbox, ContainerConfig(name="c", image="busybox"), SANDBOX)


async def test_exec_sync_emulation_and_scripts(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600", env=(("GREETING", "hi"),))
    assert (await runtime.exec_sync(cid, ["hostname"], 1)).stdout == b"web-0\n"
    env = await runtime.exec_sync(cid, ["env"], 1)
    assert b"GREETING=hi\n" in env.stdout
    shell = await runtime.exec_sync(cid, ["sh", "-c", "echo a; false; echo b && exit 4"], 1)
    assert (shell.stdout, shell.exit_code) == (b"a\nb\n", 4)
    missing = await runtime.exec_sync(cid, ["curl", "localhost"], 1)
    assert missing.exit_code == 127 and b"not found" in missing.stderr
    runtime.script_exec(["/healthz"], ExecResult(exit_code=1, stderr=b"unhealthy"))
    assert (await runtime.exec_sync(cid, ["/healthz"], 1)).stderr == b"unhealthy"


async def test_exec_sync_timeout(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    with pytest.raises(RuntimeError_, match="timeout"):
        await runtime.exec_sync(cid, ["sleep", "5"], 0.01)


async def collect(session: FakeExecSession) -> list[tuple[int, bytes]]:
    return [chunk async for chunk in session.output()]


async def test_interactive_shell_session(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    session = await runtime.exec(cid, ["sh"], stdin=True, tty=False)
    await session.write_stdin(b"echo one\nnope\n")
    await session.write_stdin(b"exit 5\necho never\n")
    assert await collect(session) == [(1, b"one\n"), (2, b"sh: nope: not found\n")]
    assert await session.wait() == 5


async def test_tty_merges_stderr_and_records_resizes(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    session = await runtime.exec(cid, ["sh"], stdin=True, tty=True)
    await session.resize(80, 24)
    await session.write_stdin(b"nope\n")
    await session.close_stdin()
    assert await collect(session) == [(1, b"sh: nope: not found\n")]
    assert await session.wait() == 127
    assert session.sizes == [(80, 24)]


async def test_exec_session_ends_when_container_stops(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    session = await runtime.exec(cid, ["cat"], stdin=True, tty=False)
    await session.write_stdin(b"x")
    await runtime.stop_container(cid, 1)
    assert await collect(session) == [(1, b"x")]
    assert await session.wait() == 137
    with pytest.raises(RuntimeError_):
        await session.write_stdin(b"late")


async def test_attach_follows_the_main_process(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "cat", stdin=True)
    session = await runtime.attach(cid, stdin=True, tty=False)
    await session.write_stdin(b"hello\n")
    runtime.exit_container(cid, 0)
    assert await collect(session) == [(1, b"hello\n")]
    assert await session.wait() == 0
    no_stdin = await run(runtime, "sleep", "3600")
    with pytest.raises(RuntimeError_, match="stdin"):
        await runtime.attach(no_stdin, stdin=True, tty=False)


async def test_logs_are_written_in_cri_format(runtime: FakeRuntime, tmp_path: Path) -> None:
    sandbox_config = attrs.evolve(SANDBOX, log_directory=str(tmp_path))
    sandbox = await runtime.run_pod_sandbox(sandbox_config)
    config = ContainerConfig(
        name="app", image="busybox", command=("sleep", "3600"), log_path="app/0.log"
    )
    cid = await runtime.create_container(sandbox, config, sandbox_config)
    await runtime.start_container(cid)
    runtime.write_log(cid, b"ready\n", stream="stderr")
    status = await runtime.container_status(cid)
    assert status.log_path == str(tmp_path / "app" / "0.log")
    line = (tmp_path / "app" / "0.log").read_bytes()
    assert line.endswith(b" stderr F ready\n")


async def test_stats_grow_while_running(runtime: FakeRuntime) -> None:
    cid = await run(runtime, "sleep", "3600")
    await asyncio.sleep(0.02)
    stats = await runtime.container_stats(cid)
    assert stats.cpu_usage_core_nanoseconds > 0 and stats.memory_working_set_bytes > 0
    await runtime.stop_container(cid, 1)
    stopped = await runtime.container_stats(cid)
    assert stopped.memory_working_set_bytes == 0
    assert stopped.cpu_usage_core_nanoseconds >= stats.cpu_usage_core_nanoseconds


async def test_image_references_are_normalised(runtime: FakeRuntime) -> None:
    image = await runtime.image_status("docker.io/library/busybox:latest")
    assert image is not None
    assert image.repo_tags == ("docker.io/library/busybox:latest",)
    assert await runtime.image_status(image.id) == image
    assert await runtime.image_status("busybox") == image
    await runtime.remove_image(image.id)
    assert await runtime.list_images() == []


async def test_preloaded_images_and_unknown_create(runtime: FakeRuntime) -> None:
    preloaded = FakeRuntime(images=["registry.k8s.io/pause:3.10"], registry=())
    assert [i.repo_tags for i in await preloaded.list_images()] == [("registry.k8s.io/pause:3.10",)]
    with pytest.raises(ImagePullError):
        await preloaded.pull_image("busybox")
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    with pytest.raises(NotFoundError, match="nginx"):
        await runtime.create_container(sandbox, ContainerConfig(name="c", image="nginx"), SANDBOX)


async def test_import_docker_archive(runtime: FakeRuntime, tmp_path: Path) -> None:
    archive = tmp_path / "docker.tar"
    manifest = json.dumps([{"RepoTags": ["tools:1"], "Config": "c.json", "Layers": []}]).encode()
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    assert await runtime.import_image(str(archive)) == ["docker.io/library/tools:1"]
    assert await runtime.image_status("tools:1") is not None
    (tmp_path / "junk.tar").write_bytes(b"not a tar")
    with pytest.raises(RuntimeError_):
        await runtime.import_image(str(tmp_path / "junk.tar"))


async def test_injected_pull_failure(runtime: FakeRuntime) -> None:
    runtime.fail("pull_image", ImagePullError("registry down"))
    with pytest.raises(ImagePullError, match="registry down"):
        await runtime.pull_image("busybox")
    await runtime.pull_image("busybox")
    assert [c.args for c in runtime.calls_to("pull_image")][-2:] == [("busybox",), ("busybox",)]


async def test_port_forward_reaches_the_server_standing_in_for_the_pod(
    runtime: FakeRuntime,
) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"pod says " + await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    sandbox = await runtime.run_pod_sandbox(SANDBOX)
    runtime.forward_port(sandbox, 8080, "127.0.0.1", server.sockets[0].getsockname()[1])
    reader, writer = await runtime.port_forward(sandbox, 8080)
    writer.write(b"hi\n")
    assert await reader.read() == b"pod says hi\n"
    writer.close()
    server.close()
    with pytest.raises(NotFoundError):
        await runtime.port_forward("nope", 8080)
    await runtime.stop_pod_sandbox(sandbox)
    with pytest.raises(RuntimeError_, match="not ready"):
        await runtime.port_forward(sandbox, 8080)
