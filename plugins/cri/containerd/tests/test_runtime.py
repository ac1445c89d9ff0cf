"""What the conformance suite does not show: pod networking through containerd's CNI, runtime
status, the stream into containerd's network namespace, and an own containerd."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

from microkube_cri_containerd.options import ContainerdOptions
from microkube_cri_containerd.runtime import ContainerdRuntime

from microkube.contracts.runtime import ContainerConfig, ContainerState, PodSandboxConfig
from microkube.testing.containerd import BUSYBOX_IMAGE, Containerd


def pod(tmp_path: Path, **fields: object) -> PodSandboxConfig:
    name = f"p-{uuid.uuid4().hex[:6]}"
    return PodSandboxConfig(
        name=name,
        namespace="t",
        uid=str(uuid.uuid4()),
        hostname=name,
        log_directory=str(tmp_path / "logs"),
        **fields,  # type: ignore[arg-type]
    )


async def wait_exited(runtime: ContainerdRuntime, container_id: str) -> None:
    for _ in range(200):
        if (await runtime.container_status(container_id)).state is ContainerState.EXITED:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the container did not exit")


async def test_pods_get_addresses_from_the_pod_cidr_and_reach_each_other(
    containerd_runtime: ContainerdRuntime, tmp_path: Path
) -> None:
    first = await containerd_runtime.run_pod_sandbox(pod(tmp_path))
    second = await containerd_runtime.run_pod_sandbox(pod(tmp_path))
    ips = [(await containerd_runtime.pod_sandbox_status(s)).ip for s in (first, second)]
    assert all(ip.startswith("10.88.0.") for ip in ips) and ips[0] != ips[1]
    config = pod(tmp_path)
    server = await containerd_runtime.create_container(
        second,
        ContainerConfig(
            name="srv", image=BUSYBOX_IMAGE, command=("nc", "-l", "-p", "7000", "-e", "echo", "hi")
        ),
        config,
    )
    await containerd_runtime.start_container(server)
    client = await containerd_runtime.create_container(
        first,
        ContainerConfig(name="cli", image=BUSYBOX_IMAGE, command=("sleep", "60")),
        config,
    )
    await containerd_runtime.start_container(client)
    for _ in range(50):
        reply = await containerd_runtime.exec_sync(client, ["nc", ips[1], "7000"], 5)
        if reply.stdout == b"hi\n":
            break
        await asyncio.sleep(0.1)
    assert reply.stdout == b"hi\n"


async def test_host_network_pod_shares_containerds_network(
    containerd_runtime: ContainerdRuntime, containerd: Containerd, tmp_path: Path
) -> None:
    config = pod(tmp_path, host_network=True)
    sandbox = await containerd_runtime.run_pod_sandbox(config)
    container = await containerd_runtime.create_container(
        sandbox,
        ContainerConfig(
            name="links",
            image=BUSYBOX_IMAGE,
            command=("sh", "-c", "ip -o link | grep -c ': lo'; hostname"),
            log_path="links/0.log",
        ),
        config,
    )
    await containerd_runtime.start_container(container)
    await wait_exited(containerd_runtime, container)
    status = await containerd_runtime.container_status(container)
    assert status.exit_code == 0
    log = await asyncio.to_thread(Path(status.log_path).read_bytes)
    lines = [line.split(b" ", 3)[3] for line in log.splitlines()]
    assert lines[0] == b"1"
    # The node's hostname: a host-network pod gets no UTS namespace of its own.
    assert lines[1] != config.hostname.encode()


async def test_runtime_status_is_ready(containerd_runtime: ContainerdRuntime) -> None:
    assert await containerd_runtime.runtime_status() == (True, "")
    conditions = await containerd_runtime.runtime_conditions()
    assert conditions["NetworkReady"][0] is True  # the pod CIDR rendered the CNI template


async def test_an_own_containerd_starts_and_stops(tmp_path: Path) -> None:
    root = Path("/tmp") / f"mkown-{uuid.uuid4().hex[:6]}"  # short: a socket path
    runtime = ContainerdRuntime(
        ContainerdOptions(root_dir=str(root), own_network_namespace=True, image_gc_period=0)
    )
    try:
        await runtime.start()
        assert (await runtime.version()).runtime_name == "containerd"
        assert await runtime.image_status("localhost/pause:local") is not None
        pid = runtime.own.daemon.pid if runtime.own else None
        await runtime.close()
        assert pid is not None
        assert not await asyncio.to_thread(Path(f"/proc/{pid}").exists)
    finally:
        if runtime.own is not None:
            await asyncio.to_thread(runtime.own.daemon.close)
        await asyncio.to_thread(shutil.rmtree, root, True)
