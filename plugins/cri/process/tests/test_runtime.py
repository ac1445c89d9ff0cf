"""The process runtime's own behaviour, with real processes, namespaces, mounts and cgroups."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from microkube_cri_process.options import ProcessOptions
from microkube_cri_process.runtime import ProcessRuntime

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStatus,
    DNSConfig,
    Mount,
    PodSandboxConfig,
    Resources,
    RuntimeError_,
    SandboxState,
    SecurityContext,
)

PYTHON = sys.executable
WITHIN = 30.0
T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], *, within: float, what: str
) -> T:
    """Poll ``probe`` until ``accept`` holds (AssertionError after ``within`` seconds)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await probe()
        if accept(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {value!r}")
        await asyncio.sleep(0.05)


def pod(tmp_path: Path, name: str = "web", **fields: object) -> PodSandboxConfig:
    return PodSandboxConfig(
        name=name,
        namespace="default",
        uid=str(uuid.uuid4()),
        hostname=name,
        log_directory=str(tmp_path / "logs" / name),
        **fields,  # type: ignore[arg-type]
    )


async def run(
    runtime: ProcessRuntime,
    sandbox_config: PodSandboxConfig,
    *command: str,
    name: str = "main",
    sandbox_id: str | None = None,
    **fields: object,
) -> tuple[str, str]:
    """(sandbox id, container id) of a started container running ``command``."""
    await runtime.pull_image("busybox")
    if sandbox_id is None:
        sandbox_id = await runtime.run_pod_sandbox(sandbox_config)
    config = ContainerConfig(
        name=name,
        image="busybox",
        command=command,
        log_path=f"{name}/0.log",
        **fields,  # type: ignore[arg-type]
    )
    container_id = await runtime.create_container(sandbox_id, config, sandbox_config)
    await runtime.start_container(container_id)
    return sandbox_id, container_id


async def wait_state(
    runtime: ProcessRuntime, container_id: str, state: ContainerState
) -> ContainerStatus:
    return await eventually(
        lambda: runtime.container_status(container_id),
        lambda s: s.state is state,
        within=WITHIN,
        what=f"container to be {state.name}",
    )


def _read(path: str) -> bytes:
    return Path(path).read_bytes() if os.path.exists(path) else b""


async def read_log(path: str, needle: bytes) -> bytes:
    async def content() -> bytes:
        return _read(path)

    return await eventually(content, lambda c: needle in c, within=WITHIN, what=f"{needle!r}")


async def http_get(runtime: ProcessRuntime, sandbox_id: str, port: int) -> bytes:
    """GET / through port_forward, retried while the server in the pod starts."""

    async def attempt() -> bytes:
        try:
            reader, writer = await runtime.port_forward(sandbox_id, port)
        except OSError:
            return b""
        writer.write(b"GET / HTTP/1.0\r\nHost: pod\r\n\r\n")
        await writer.drain()
        data = await reader.read()
        writer.close()
        return data

    return await eventually(attempt, lambda d: d.startswith(b"HTTP/"), within=WITHIN, what="HTTP")


def group_members(session_id: int) -> list[int]:
    """Every live process whose session is ``session_id`` (a container's whole tree)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            found.append(int(entry))
    return found


async def test_two_pods_listen_on_the_same_port(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    server = (PYTHON, "-m", "http.server", "8080", "--bind", "127.0.0.1")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "who").write_text("pod a\n")
    (tmp_path / "b" / "who").write_text("pod b\n")
    first, _ = await run(
        process_runtime, pod(tmp_path, "a"), *server, working_dir=str(tmp_path / "a")
    )
    second, _ = await run(
        process_runtime, pod(tmp_path, "b"), *server, working_dir=str(tmp_path / "b")
    )
    assert b"who" in await http_get(process_runtime, first, 8080)
    assert b"who" in await http_get(process_runtime, second, 8080)
    for sandbox_id, expected in ((first, b"pod a\n"), (second, b"pod b\n")):
        reader, writer = await process_runtime.port_forward(sandbox_id, 8080)
        writer.write(b"GET /who HTTP/1.0\r\n\r\n")
        assert (await reader.read()).endswith(expected)
        writer.close()


async def test_port_forward_to_nothing_listening_fails(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    sandbox_id, _ = await run(process_runtime, pod(tmp_path), "sleep", "3600")
    with pytest.raises(OSError):
        await process_runtime.port_forward(sandbox_id, 9)


async def test_volumes_are_visible_at_their_container_path(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    data = tmp_path / "volume"
    data.mkdir()
    (data / "greeting").write_text("hello from the volume\n")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    # The mount points are made on the host's filesystem (the README says so): under tmp.
    target = str(tmp_path / "in-container")
    mounts = (
        Mount(container_path=f"{target}/data", host_path=str(data)),
        Mount(container_path=f"{target}/config", host_path=str(config_dir), readonly=True),
    )
    script = (
        f"cat {target}/data/greeting; echo written > {target}/data/out; "
        f"touch {target}/config/x 2>/dev/null || echo read-only"
    )
    config = pod(tmp_path)
    sandbox_id, container_id = await run(process_runtime, config, "sh", "-c", script, mounts=mounts)
    status = await wait_state(process_runtime, container_id, ContainerState.EXITED)
    log = await read_log(status.log_path, b"read-only")
    assert b"stdout F hello from the volume" in log
    assert (data / "out").read_text() == "written\n"
    assert not (config_dir / "x").exists()
    assert not (Path(target) / "data" / "greeting").exists(), "mounts stay in the container"
    assert sorted(os.listdir(target)) == ["config", "data"], "mount points made on the host"
    # A second container mounts at the same place and outlives the first.
    _, second = await run(
        process_runtime,
        config,
        "sleep",
        "3600",
        name="second",
        sandbox_id=sandbox_id,
        mounts=mounts[:1],
    )
    await process_runtime.remove_container(container_id)
    assert sorted(os.listdir(target)) == ["data"], "still used by the second container"
    result = await process_runtime.exec_sync(second, ["cat", f"{target}/data/greeting"], 10)
    assert result.stdout == b"hello from the volume\n"
    await process_runtime.remove_container(second)
    assert "in-container" not in os.listdir(tmp_path), "made mount points are removed"


async def test_memory_limit_ends_in_oomkilled(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    if process_runtime.limits_unavailable:
        pytest.skip(f"cgroup memory control unavailable: {process_runtime.limits_unavailable}")
    hog = (PYTHON, "-c", "x = bytearray(400 * 1024 * 1024); print(len(x))")
    resources = Resources(memory_limit_bytes=64 * 1024 * 1024)
    _, container_id = await run(process_runtime, pod(tmp_path), *hog, resources=resources)
    status = await wait_state(process_runtime, container_id, ContainerState.EXITED)
    assert (status.exit_code, status.reason) == (137, "OOMKilled")


async def test_cpu_and_memory_usage_come_from_the_cgroup(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    burn = (PYTHON, "-c", "x = bytearray(32 * 1024 * 1024)\nwhile True: pass")
    resources = Resources(cpu_limit_millis=200, memory_limit_bytes=256 * 1024 * 1024)
    _, container_id = await run(process_runtime, pod(tmp_path), *burn, resources=resources)
    stats = await eventually(
        lambda: process_runtime.container_stats(container_id),
        lambda s: s.cpu_usage_core_nanoseconds > 0 and s.memory_working_set_bytes > 32 << 20,
        within=WITHIN,
        what="usage",
    )
    assert stats.container_id == container_id


async def test_stop_kills_the_whole_process_tree(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    # The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it; one
    # child leaves the session (setsid): only the container's cgroup still knows it.
    tree = (
        "trap '' TERM; setsid sleep 1001 & echo escaped $!; "
        "sleep 1000 & sleep 1000 & (sleep 1000 &) ; wait"
    )
    _, container_id = await run(process_runtime, pod(tmp_path), "sh", "-c", tree)
    status = await wait_state(process_runtime, container_id, ContainerState.RUNNING)
    record = process_runtime._containers[container_id]
    await eventually(
        lambda: asyncio.sleep(0, group_members(record.pid)),
        lambda members: len(members) >= 4,
        within=WITHIN,
        what="the tree to start",
    )
    escaped = int((await read_log(status.log_path, b"escaped")).split(b"escaped ")[1].split()[0])
    await process_runtime.stop_container(container_id, 1)
    status = await process_runtime.container_status(container_id)
    assert status.state is ContainerState.EXITED and status.exit_code == 137
    assert group_members(record.pid) == []
    if process_runtime.limits_unavailable:
        pytest.skip(f"no cgroup to find escaped processes: {process_runtime.limits_unavailable}")
    assert not _alive(escaped), "a process that left the session is killed through the cgroup"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_remove_sandbox_leaves_no_process_and_no_namespace(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    sandbox_id, container_id = await run(
        process_runtime, pod(tmp_path), "sh", "-c", "sleep 1000 & sleep 1000"
    )
    await wait_state(process_runtime, container_id, ContainerState.RUNNING)
    pid = process_runtime._containers[container_id].pid
    netns = process_runtime._sandboxes[sandbox_id].netns_path
    assert _read("/proc/self/mountinfo").count(netns.encode()) == 1
    await process_runtime.stop_pod_sandbox(sandbox_id)
    await process_runtime.remove_pod_sandbox(sandbox_id)
    assert group_members(pid) == []
    assert netns.encode() not in _read("/proc/self/mountinfo")
    assert _read(netns) == b"", "the pin is gone"


async def test_sigterm_gives_143_and_a_handled_term_completes(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    config = pod(tmp_path)
    sandbox_id, plain = await run(process_runtime, config, "sleep", "1000")
    _, graceful = await run(
        process_runtime,
        config,
        "sh",
        "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.1; done",
        name="graceful",
        sandbox_id=sandbox_id,
    )
    await wait_state(process_runtime, graceful, ContainerState.RUNNING)
    await asyncio.sleep(0.3)  # let the shell install its trap
    await process_runtime.stop_container(plain, 10)
    await process_runtime.stop_container(graceful, 10)
    plain_status = await process_runtime.container_status(plain)
    assert (plain_status.exit_code, plain_status.reason) == (143, "Error")
    graceful_status = await process_runtime.container_status(graceful)
    assert (graceful_status.exit_code, graceful_status.reason) == (0, "Completed")


async def test_cri_log_format_with_partial_lines(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    script = (
        "import sys\n"
        "sys.stdout.write('x' * 20000 + '\\n'); sys.stdout.flush()\n"
        "sys.stderr.write('oops\\n'); sys.stderr.flush()\n"
        "sys.stdout.write('no newline at the end')\n"
    )
    _, container_id = await run(process_runtime, pod(tmp_path), PYTHON, "-c", script)
    status = await wait_state(process_runtime, container_id, ContainerState.EXITED)
    log = await read_log(status.log_path, b"no newline at the end")
    records = [line.split(b" ", 3) for line in log.splitlines()]
    for timestamp, _, _, _ in records:
        assert timestamp.endswith(b"Z") and len(timestamp) == len(b"2024-01-01T00:00:00.000000000Z")
    stdout = [(tag, content) for _, stream, tag, content in records if stream == b"stdout"]
    assert stdout == [
        (b"P", b"x" * 16384),
        (b"F", b"x" * (20000 - 16384)),
        (b"F", b"no newline at the end"),
    ]
    assert [c for _, stream, _, c in records if stream == b"stderr"] == [b"oops"]


async def test_exec_with_a_tty(process_runtime: ProcessRuntime, tmp_path: Path) -> None:
    _, container_id = await run(process_runtime, pod(tmp_path, "shell"), "sleep", "3600")
    session = await process_runtime.exec(container_id, ["sh"], stdin=True, tty=True)
    await session.resize(100, 30)
    await session.write_stdin(b"tty; stty size; hostname; echo $((40 + 2)) >&2; exit 4\n")
    async with asyncio.timeout(WITHIN):
        chunks = [chunk async for chunk in session.output()]
        code = await session.wait()
    output = b"".join(data for _, data in chunks)
    assert code == 4
    assert {stream for stream, _ in chunks} == {1}, "a terminal merges stderr"
    assert b"/dev/pts/" in output and b"30 100" in output
    assert b"shell" in output and b"42" in output


async def test_exec_runs_in_the_containers_environment(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _, container_id = await run(
        process_runtime,
        pod(tmp_path, "envpod"),
        "sleep",
        "3600",
        env=(("GREETING", "hi"),),
        working_dir=str(work),
    )
    result = await process_runtime.exec_sync(
        container_id, ["sh", "-c", "echo $GREETING $HOSTNAME; pwd; hostname"], WITHIN
    )
    assert result.stdout == f"hi envpod\n{work}\nenvpod\n".encode()
    with pytest.raises(RuntimeError_, match="executable file not found"):
        await process_runtime.exec_sync(container_id, ["no-such-program"], WITHIN)
    with pytest.raises(RuntimeError_, match="timeout"):
        await process_runtime.exec_sync(container_id, ["sleep", "30"], 0.2)


async def test_attach_streams_the_main_process(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    _, container_id = await run(process_runtime, pod(tmp_path), "cat", stdin=True)
    session = await process_runtime.attach(container_id, stdin=True, tty=False)
    await session.write_stdin(b"hello\n")
    output = session.output()
    async with asyncio.timeout(WITHIN):
        assert await anext(output) == (1, b"hello\n")
    await process_runtime.stop_container(container_id, 5)
    assert await session.wait() == 143
    status = await process_runtime.container_status(container_id)
    assert b"stdout F hello" in _read(status.log_path)
    _, no_stdin = await run(process_runtime, pod(tmp_path, "other"), "sleep", "3600")
    with pytest.raises(RuntimeError_, match="stdin"):
        await process_runtime.attach(no_stdin, stdin=True, tty=False)


async def test_host_network_pod_shares_the_hosts_network(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    config = pod(tmp_path, "hostnet", host_network=True)
    sandbox_id, container_id = await run(process_runtime, config, "sleep", "3600")
    status = await process_runtime.pod_sandbox_status(sandbox_id)
    assert status.ip
    host_netns = os.readlink("/proc/self/ns/net")
    result = await process_runtime.exec_sync(container_id, ["readlink", "/proc/self/ns/net"], 10)
    assert result.stdout.decode().strip() == host_netns


async def test_missing_program_fails_the_start(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    await process_runtime.pull_image("busybox")
    config = pod(tmp_path)
    sandbox_id = await process_runtime.run_pod_sandbox(config)
    container = ContainerConfig(name="c", image="busybox", command=("/no/such/program",))
    container_id = await process_runtime.create_container(sandbox_id, container, config)
    with pytest.raises(RuntimeError_, match="no such file"):
        await process_runtime.start_container(container_id)
    status = await process_runtime.container_status(container_id)
    assert (status.state, status.exit_code, status.reason) == (
        ContainerState.EXITED,
        128,
        "StartError",
    )
    empty = ContainerConfig(name="d", image="busybox")
    with pytest.raises(RuntimeError_, match="set command"):
        await process_runtime.create_container(sandbox_id, empty, config)


async def test_a_restarted_runtime_reattaches(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = ProcessRuntime(root, ProcessOptions())
    await first.start()
    config = pod(tmp_path, "survivor")
    sandbox_id, long_running = await run(first, config, "sh", "-c", "echo before; sleep 3600")
    _, short = await run(
        first, config, "sh", "-c", "sleep 1; exit 5", name="short", sandbox_id=sandbox_id
    )
    status = await wait_state(first, long_running, ContainerState.RUNNING)
    await read_log(status.log_path, b"before")
    pid = first._containers[long_running].pid
    await first.close()  # the kubelet stops: its containers keep running

    await asyncio.sleep(1.5)  # "short" ends while no runtime watches
    assert _read(f"/proc/{pid}/cmdline").startswith(b"sh")
    second = ProcessRuntime(root, ProcessOptions())
    await second.start()
    try:
        assert (await second.pod_sandbox_status(sandbox_id)).state is SandboxState.READY
        assert (await second.container_status(long_running)).state is ContainerState.RUNNING
        ended = await wait_state(second, short, ContainerState.EXITED)
        assert ended.exit_code == 5, "still this process's child: the code is known"
        result = await second.exec_sync(long_running, ["hostname"], 10)
        assert result.stdout == b"survivor\n"
        await second.stop_container(long_running, 1)
        assert (await second.container_status(long_running)).exit_code == 143
        assert group_members(pid) == []
    finally:
        await second.stop_pod_sandbox(sandbox_id)
        await second.remove_pod_sandbox(sandbox_id)
        await second.close()


async def test_images_are_recorded_and_survive_a_restart(tmp_path: Path) -> None:
    first = ProcessRuntime(tmp_path / "root")
    await first.start()
    image_id = await first.pull_image("nginx:1.27")
    await first.close()
    second = ProcessRuntime(tmp_path / "root")
    await second.start()
    image = await second.image_status("docker.io/library/nginx:1.27")
    assert image is not None and image.id == image_id
    await second.close()


async def test_containers_get_default_signal_dispositions(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    # Python ignores SIGPIPE; a container must not inherit that (``yes | head`` must end).
    _, container_id = await run(
        process_runtime, pod(tmp_path), "sh", "-c", "grep SigIgn /proc/self/status"
    )
    status = await wait_state(process_runtime, container_id, ContainerState.EXITED)
    log = await read_log(status.log_path, b"SigIgn")
    ignored = int(log.split(b"SigIgn:")[1].split()[0], 16)
    assert not ignored & (1 << (13 - 1)), "SIGPIPE is not ignored"


async def test_pod_dns_config_becomes_its_resolv_conf(
    process_runtime: ProcessRuntime, tmp_path: Path
) -> None:
    dns = DNSConfig(servers=("10.96.0.10",), searches=("default.svc.cluster.local",))
    config = pod(tmp_path, "dns", dns=dns)
    _, container_id = await run(process_runtime, config, "sleep", "3600")
    result = await process_runtime.exec_sync(container_id, ["cat", "/etc/resolv.conf"], 10)
    assert result.stdout == b"nameserver 10.96.0.10\nsearch default.svc.cluster.local\n"
    assert b"10.96.0.10" not in _read("/etc/resolv.conf")


async def test_stop_pods_on_close(tmp_path: Path) -> None:
    runtime = ProcessRuntime(tmp_path / "root", ProcessOptions(stop_pods_on_close=True))
    await runtime.start()
    sandbox_id, container_id = await run(runtime, pod(tmp_path), "sleep", "3600")
    pid = runtime._containers[container_id].pid
    await runtime.close()
    assert group_members(pid) == []
    again = ProcessRuntime(tmp_path / "root")
    await again.start()
    assert (await again.container_status(container_id)).state is ContainerState.EXITED
    assert (await again.pod_sandbox_status(sandbox_id)).state is SandboxState.NOTREADY
    await again.remove_pod_sandbox(sandbox_id)
    await again.close()


async def test_run_as_user_and_group(process_runtime: ProcessRuntime, tmp_path: Path) -> None:
    security = SecurityContext(run_as_user=65534, run_as_group=65534)
    _, container_id = await run(
        process_runtime,
        pod(tmp_path),
        "sh",
        "-c",
        "id -u; id -g; touch here && echo writable",
        security=security,
    )
    status = await wait_state(process_runtime, container_id, ContainerState.EXITED)
    log = await read_log(status.log_path, b"writable")
    assert [line.split(b" ", 3)[3] for line in log.splitlines()] == [
        b"65534",
        b"65534",
        b"writable",
    ]


async def test_limits_not_enforced_are_reported(tmp_path: Path) -> None:
    runtime = ProcessRuntime(tmp_path / "root", ProcessOptions(cgroups=False))
    await runtime.start()
    try:
        config = pod(tmp_path)
        limited = Resources(memory_limit_bytes=64 << 20)
        sandbox_id, container_id = await run(runtime, config, "sleep", "3600", resources=limited)
        status = await runtime.container_status(container_id)
        assert status.message == (
            "resource limits are not enforced: cgroups are disabled in the runtime's options"
        )
        stats = await runtime.container_stats(container_id)
        assert stats.memory_working_set_bytes > 0, "usage comes from /proc without a cgroup"
        _, unlimited = await run(runtime, config, "sleep", "3600", name="b", sandbox_id=sandbox_id)
        assert (await runtime.container_status(unlimited)).message == ""
    finally:
        for sandbox in await runtime.list_pod_sandboxes():
            await runtime.remove_pod_sandbox(sandbox.id)
        await runtime.close()


STARTER = """
import asyncio, json, os, sys
from microkube.contracts.runtime import ContainerConfig, PodSandboxConfig
from microkube_cri_process.runtime import ProcessRuntime

async def main():
    runtime = ProcessRuntime(sys.argv[1])
    await runtime.start()
    await runtime.pull_image("busybox")
    pod = PodSandboxConfig(name="kept", namespace="d", uid="u", log_directory=sys.argv[2])
    sandbox_id = await runtime.run_pod_sandbox(pod)
    ids = {"sandbox": sandbox_id}
    for name, script in (("long", sys.argv[3]), ("short", "sleep 1; exit 3")):
        config = ContainerConfig(
            name=name, image="busybox", command=("sh", "-c", script), log_path=f"{name}.log"
        )
        ids[name] = await runtime.create_container(sandbox_id, config, pod)
        await runtime.start_container(ids[name])
    print(json.dumps(ids), flush=True)
    os._exit(0)  # the kubelet's process dies: no close, no stop

asyncio.run(main())
"""


async def test_containers_survive_the_runtime_process(tmp_path: Path) -> None:
    root, logs = tmp_path / "root", tmp_path / "logs"
    script = "echo first; sleep 1.5; echo second; sleep 3600"
    starter = await asyncio.create_subprocess_exec(
        PYTHON, "-c", STARTER, str(root), str(logs), script, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await starter.communicate()
    ids = json.loads(output)
    await asyncio.sleep(2)  # "second" is written and "short" ends while no runtime runs
    runtime = ProcessRuntime(root, ProcessOptions())
    await runtime.start()
    try:
        long = await runtime.container_status(ids["long"])
        assert long.state is ContainerState.RUNNING
        await read_log(long.log_path, b"stdout F second")
        short = await wait_state(runtime, ids["short"], ContainerState.EXITED)
        assert (short.exit_code, short.reason) == (255, "Error")
        assert "exit code is unknown" in short.message
        pid = runtime._containers[ids["long"]].pid
        await runtime.stop_container(ids["long"], 5)
        stopped = await runtime.container_status(ids["long"])
        assert (stopped.exit_code, stopped.reason) == (143, "Error")
        assert "SIGTERM" in stopped.message
        assert group_members(pid) == []
    finally:
        await runtime.remove_pod_sandbox(ids["sandbox"])
        await runtime.close()
