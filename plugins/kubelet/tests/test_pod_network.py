"""NetworkedRuntime over the fake runtime and fake CNI: what reaches the plugin and the
runtime, the order of teardown, and every failure path (real namespaces under tmp_path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from microkube_kubelet.netns import is_netns, remove_netns
from microkube_kubelet.pod_cidr import PodCIDRSource
from microkube_kubelet.pod_network import (
    NETWORK_LABEL,
    NetworkedRuntime,
    network_setup,
    with_pod_network,
)

from microkube.contracts.cni import CNIError
from microkube.contracts.runtime import (
    PodNetworkRuntime,
    PodSandboxConfig,
    PortMapping,
    RuntimeError_,
    SandboxState,
)
from microkube.testing.fakes.cni import FakeCNI
from microkube.testing.fakes.runtime import FakeRuntime

CONFIG = PodSandboxConfig(
    name="web",
    namespace="default",
    uid="0b1c2d3e-aaaa-bbbb-cccc-000000000001",
    port_mappings=(PortMapping(container_port=8080, host_port=18080),),
    labels={"app": "web"},
)


class NoAnswer:
    """A pod CIDR source with nothing to tell (the Node has no podCIDR)."""

    async def wait(self, within: float, every: float = 0.2) -> str:
        return ""


@pytest.fixture
async def networked(tmp_path: Path) -> Any:
    runtime, cni = FakeRuntime(), FakeCNI("10.244.3.0/24")
    await runtime.start()
    wrapped = NetworkedRuntime(
        runtime, cni, PodCIDRSource(None, "n1", "10.244.3.0/24"), tmp_path / "netns"
    )
    yield wrapped, runtime, cni
    for path in (tmp_path / "netns").glob("mk-*"):  # only after a failure
        await remove_netns(path)


async def test_sandbox_gets_the_cni_address_and_its_own_namespace(networked: Any) -> None:
    wrapped, runtime, cni = networked
    sandbox_id = await wrapped.run_pod_sandbox(CONFIG)
    added = cni.calls_to("add")[0].args[0]
    assert added.container_id == f"{CONFIG.uid}-0"
    assert added.capability_args == {
        "ipRanges": [[{"subnet": "10.244.3.0/24"}]],
        "portMappings": [
            {"hostPort": 18080, "containerPort": 8080, "protocol": "tcp", "hostIP": ""}
        ],
    }
    assert (added.pod_namespace, added.pod_name, added.pod_uid) == ("default", "web", CONFIG.uid)
    given = runtime.calls_to("run_pod_sandbox")[0].args[0]
    assert given.netns_path == added.netns and is_netns(Path(added.netns))
    status = await wrapped.pod_sandbox_status(sandbox_id)
    assert status.ip == cni.ip_of(added.container_id) and status.ip.startswith("10.244.3.")
    assert status.labels[NETWORK_LABEL] == added.container_id and status.labels["app"] == "web"


async def test_stop_tears_the_network_down_after_the_sandbox(networked: Any) -> None:
    wrapped, runtime, cni = networked
    sandbox_id = await wrapped.run_pod_sandbox(CONFIG)
    netns = Path(cni.calls_to("add")[0].args[0].netns)
    await wrapped.stop_pod_sandbox(sandbox_id)
    assert [c.method for c in runtime.calls if c.method.endswith("_sandbox")][-1] == (
        "stop_pod_sandbox"
    )
    assert cni.calls_to("delete") and not cni.attachments and not is_netns(netns)
    await wrapped.remove_pod_sandbox(sandbox_id)  # again: idempotent
    assert not runtime.sandbox_ids()


async def test_host_network_pods_get_no_cni(networked: Any) -> None:
    wrapped, runtime, cni = networked
    sandbox_id = await wrapped.run_pod_sandbox(attrs.evolve(CONFIG, host_network=True))
    assert not cni.calls and (await wrapped.pod_sandbox_status(sandbox_id)).ip == runtime.node_ip


async def test_a_failed_add_is_a_runtime_error_and_leaves_no_namespace(networked: Any) -> None:
    wrapped, runtime, cni = networked
    cni.fail("add", CNIError(100, "no IP addresses available"))
    with pytest.raises(RuntimeError_, match=r"failed to set up the pod's network: .*no IP"):
        await wrapped.run_pod_sandbox(CONFIG)
    assert not list(wrapped.netns_dir.glob("mk-*")) and not runtime.sandbox_ids()


async def test_a_failed_sandbox_gives_the_address_back(networked: Any) -> None:
    wrapped, runtime, cni = networked
    runtime.fail("run_pod_sandbox", RuntimeError_("boom"))
    with pytest.raises(RuntimeError_, match="boom"):
        await wrapped.run_pod_sandbox(CONFIG)
    assert cni.calls_to("delete") and not cni.attachments
    assert not list(wrapped.netns_dir.glob("mk-*"))


async def test_a_failed_del_is_reported_so_teardown_is_retried(networked: Any) -> None:
    wrapped, _runtime, cni = networked
    sandbox_id = await wrapped.run_pod_sandbox(CONFIG)
    cni.fail("delete", CNIError(5, "iptables is busy"))
    with pytest.raises(RuntimeError_, match="tear down the pod's network"):
        await wrapped.stop_pod_sandbox(sandbox_id)
    await wrapped.stop_pod_sandbox(sandbox_id)
    assert not cni.attachments


async def test_no_pod_cidr_is_a_clear_error(tmp_path: Path) -> None:
    runtime = FakeRuntime()
    wrapped = NetworkedRuntime(runtime, FakeCNI(), NoAnswer(), tmp_path)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError_, match="network is not ready: the node has no pod CIDR"):
        await wrapped.run_pod_sandbox(CONFIG)


async def test_close_tears_down_what_the_runtime_stopped(networked: Any) -> None:
    wrapped, runtime, cni = networked
    stopped = await wrapped.run_pod_sandbox(CONFIG)
    running = await wrapped.run_pod_sandbox(attrs.evolve(CONFIG, uid="other", attempt=0))
    await runtime.stop_pod_sandbox(stopped)  # behind the wrapper's back, as a closing runtime
    await wrapped.close()
    assert list(cni.attachments) == [("other-0", "eth0")]
    state = (await runtime.pod_sandbox_status(running)).state
    assert state is SandboxState.READY


class CniRuntime(FakeRuntime):
    """A runtime that runs CNI itself (the PodNetworkRuntime capability)."""

    def __init__(self) -> None:
        super().__init__()
        self.pod_cidrs: list[str] = []

    async def update_runtime_config(self, pod_cidr: str) -> None:
        self.pod_cidrs.append(pod_cidr)


async def test_runtimes_doing_their_own_cni_are_told_the_pod_cidr() -> None:
    runtime = CniRuntime()
    assert isinstance(runtime, PodNetworkRuntime)
    source = PodCIDRSource(None, "n1", "10.244.9.0/24")
    assert with_pod_network(runtime, FakeCNI(), source, "/run/netns") is runtime
    await network_setup(runtime, source)
    assert runtime.pod_cidrs == ["10.244.9.0/24"]


def test_without_cni_the_runtime_is_unchanged() -> None:
    runtime = FakeRuntime()
    assert with_pod_network(runtime, None, PodCIDRSource(None, "n1"), "/x") is runtime
