"""The hollow runtime's own behaviour: plans from annotations and options, lazily computed
states, fake IPs, usage, and no per-container tasks or threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import attrs
import pytest
from microkube_cri_hollow.options import HollowOptions
from microkube_cri_hollow.runtime import HollowRuntime

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ImagePullError,
    NotFoundError,
    PodSandboxConfig,
    RuntimeError_,
)

POD = PodSandboxConfig(name="web-0", namespace="default", uid="u1", hostname="web-0")


@pytest.fixture
async def runtime() -> AsyncIterator[HollowRuntime]:
    rt = HollowRuntime(HollowOptions(pod_cidr="10.200.0.0/16", cpu_millicores=100))
    await rt.start()
    await rt.pull_image("registry.k8s.io/app:1")
    yield rt
    await rt.close()


async def start(
    runtime: HollowRuntime,
    *command: str,
    annotations: dict[str, str] | None = None,
    name: str = "app",
) -> str:
    pod = attrs.evolve(POD, annotations=annotations or {})
    sandbox_id = await runtime.run_pod_sandbox(pod)
    config = ContainerConfig(name=name, image="registry.k8s.io/app:1", command=command)
    container_id = await runtime.create_container(sandbox_id, config, pod)
    await runtime.start_container(container_id)
    return container_id


async def test_exit_after_and_exit_code_from_pod_annotations(runtime: HollowRuntime) -> None:
    notes = {"hollow.microkube.io/exit-after": "200ms", "hollow.microkube.io/exit-code": "1"}
    container_id = await start(runtime, "/server", annotations=notes)
    assert (await runtime.container_status(container_id)).state is ContainerState.RUNNING
    await asyncio.sleep(0.3)
    status = await runtime.container_status(container_id)
    assert (status.state, status.exit_code, status.reason) == (ContainerState.EXITED, 1, "Error")
    assert status.finished_at_ns - status.started_at_ns == 200_000_000


async def test_per_container_annotation_and_reason(runtime: HollowRuntime) -> None:
    notes = {
        "hollow.microkube.io/exit-after.app": "0s",
        "hollow.microkube.io/exit-code.app": "137",
        "hollow.microkube.io/exit-reason.app": "OOMKilled",
    }
    container_id = await start(runtime, "/server", annotations=notes)
    status = await runtime.container_status(container_id)
    assert (status.exit_code, status.reason) == (137, "OOMKilled")
    other = await start(runtime, "/server", annotations=notes, name="sidecar")
    assert (await runtime.container_status(other)).state is ContainerState.RUNNING


async def test_bad_annotation_is_a_clear_error(runtime: HollowRuntime) -> None:
    with pytest.raises(RuntimeError_, match="invalid duration 'soon'"):
        await start(runtime, "/server", annotations={"hollow.microkube.io/exit-after": "soon"})


async def test_start_delay_keeps_the_container_created(runtime: HollowRuntime) -> None:
    container_id = await start(
        runtime, "/server", annotations={"hollow.microkube.io/start-delay": "0.2"}
    )
    status = await runtime.container_status(container_id)
    assert status.state is ContainerState.CREATED and status.started_at_ns == 0
    with pytest.raises(RuntimeError_):
        await runtime.exec_sync(container_id, ["true"], 1)
    await asyncio.sleep(0.3)
    assert (await runtime.container_status(container_id)).state is ContainerState.RUNNING


async def test_options_give_every_container_a_lifetime() -> None:
    runtime = HollowRuntime(HollowOptions(exit_after=0.1, exit_code=2, start_delay=0.05))
    await runtime.pull_image("registry.k8s.io/app:1")
    container_id = await start(runtime, "/server")
    assert (await runtime.container_status(container_id)).state is ContainerState.CREATED
    await asyncio.sleep(0.25)
    status = await runtime.container_status(container_id)
    assert (status.state, status.exit_code) == (ContainerState.EXITED, 2)


async def test_emulated_commands(runtime: HollowRuntime) -> None:
    job = await start(runtime, "sleep", "0.1")
    assert (await runtime.container_status(job)).state is ContainerState.RUNNING
    await asyncio.sleep(0.2)
    status = await runtime.container_status(job)
    assert (status.state, status.reason) == (ContainerState.EXITED, "Completed")


async def test_exec_of_anything_not_emulated_succeeds(runtime: HollowRuntime) -> None:
    container_id = await start(runtime, "/server")
    probe = await runtime.exec_sync(container_id, ["cat", "/tmp/healthy"], 1)
    assert probe.exit_code == 0
    failing = await runtime.exec_sync(container_id, ["sh", "-c", "exit 3"], 1)
    assert failing.exit_code == 3
    assert (await runtime.exec_sync(container_id, ["hostname"], 1)).stdout == b"web-0\n"


async def test_stop_reports_sigterm(runtime: HollowRuntime) -> None:
    container_id = await start(runtime, "/server")
    session = await runtime.exec(container_id, ["cat"], stdin=True, tty=False)
    await runtime.stop_container(container_id, 30)
    status = await runtime.container_status(container_id)
    assert (status.state, status.exit_code, status.reason) == (ContainerState.EXITED, 143, "Error")
    assert await asyncio.wait_for(session.wait(), 30) == 137, "an exec dies with its container"


async def test_attach_ends_when_the_container_exits(runtime: HollowRuntime) -> None:
    pod = attrs.evolve(POD, annotations={"hollow.microkube.io/exit-after": "100ms"})
    sandbox_id = await runtime.run_pod_sandbox(pod)
    config = ContainerConfig(name="c", image="registry.k8s.io/app:1", stdin=True)
    container_id = await runtime.create_container(sandbox_id, config, pod)
    await runtime.start_container(container_id)
    session = await runtime.attach(container_id, stdin=True, tty=False)
    assert await asyncio.wait_for(session.wait(), 30) == 0


async def test_ips_come_from_the_configured_range(runtime: HollowRuntime) -> None:
    first = await runtime.run_pod_sandbox(POD)
    second = await runtime.run_pod_sandbox(POD)
    assert [(await runtime.pod_sandbox_status(s)).ip for s in (first, second)] == [
        "10.200.0.1",
        "10.200.0.2",
    ]
    host = await runtime.run_pod_sandbox(attrs.evolve(POD, host_network=True))
    assert (await runtime.pod_sandbox_status(host)).ip == "127.0.0.1"
    await runtime.stop_pod_sandbox(first)
    assert (await runtime.pod_sandbox_status(first)).ip == ""
    third = await runtime.run_pod_sandbox(POD)
    assert (await runtime.pod_sandbox_status(third)).ip == "10.200.0.1"


async def test_stats_follow_the_configured_usage(runtime: HollowRuntime) -> None:
    notes = {"hollow.microkube.io/memory": "64Mi"}
    container_id = await start(runtime, "/server", annotations=notes)
    await asyncio.sleep(0.05)
    stats = await runtime.container_stats(container_id)
    assert stats.memory_working_set_bytes == 64 * 1024 * 1024
    assert stats.cpu_usage_core_nanoseconds > 0  # 100 millicores from the options
    await runtime.stop_container(container_id, 1)
    assert (await runtime.container_stats(container_id)).memory_working_set_bytes == 0


async def test_port_forward_has_nothing_to_reach(runtime: HollowRuntime) -> None:
    sandbox_id = await runtime.run_pod_sandbox(POD)
    with pytest.raises(ConnectionRefusedError, match="runs no processes"):
        await runtime.port_forward(sandbox_id, 80)
    with pytest.raises(NotFoundError):
        await runtime.port_forward("nope", 80)


async def test_pull_of_an_unresolvable_registry_fails(runtime: HollowRuntime) -> None:
    with pytest.raises(ImagePullError, match="no such host"):
        await runtime.pull_image("registry.invalid/app:1")
    assert await runtime.image_status("registry.invalid/app:1") is None


async def test_many_containers_make_no_tasks_or_threads(runtime: HollowRuntime) -> None:
    tasks, threads = len(asyncio.all_tasks()), threading.active_count()
    for _ in range(300):
        await start(runtime, "/server", annotations={"hollow.microkube.io/exit-after": "1h"})
    assert len(asyncio.all_tasks()) == tasks and threading.active_count() == threads
    statuses = await runtime.list_containers()
    assert len(statuses) == 300 and {s.state for s in statuses} == {ContainerState.RUNNING}
