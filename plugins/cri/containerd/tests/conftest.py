"""One real containerd for the whole test session (started by PID in its own network
namespace, removed with everything it left), and a runtime connected to it."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
from microkube_cri_containerd.options import ContainerdOptions
from microkube_cri_containerd.runtime import ContainerdRuntime

from microkube.testing.containerd import Containerd, containerd_available

POD_CIDR = "10.88.0.0/24"


@pytest.fixture(scope="session")
def containerd() -> Iterator[Containerd]:
    missing = containerd_available()
    if missing is not None:
        pytest.skip(f"no containerd here: {missing}")
    # A short base path: containerd's socket path must stay under 108 bytes.
    with tempfile.TemporaryDirectory(prefix="mkcd-") as base, Containerd(base) as daemon:
        yield daemon


@pytest.fixture
async def containerd_runtime(containerd: Containerd) -> AsyncIterator[ContainerdRuntime]:
    runtime = ContainerdRuntime(
        ContainerdOptions(
            address=containerd.address,
            pod_cidr=POD_CIDR,
            cgroup_parent=containerd.cgroup_prefix,
            image_gc_period=0,
        )
    )
    await runtime.start()
    yield runtime
    for sandbox in await runtime.list_pod_sandboxes():
        await runtime.stop_pod_sandbox(sandbox.id)
        await runtime.remove_pod_sandbox(sandbox.id)
    await runtime.close()
