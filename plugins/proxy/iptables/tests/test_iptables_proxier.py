"""The iptables backend against a real kernel: jumps, incremental updates, cleanup, affinity."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from microkube_proxy_iptables.commands import Iptables, IptablesError
from microkube_proxy_iptables.options import IptablesOptions
from microkube_proxy_iptables.proxier import IptablesProxy

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceState,
)

NODE = "node-a"
WEB = ServicePortName("default", "web")
API = ServicePortName("default", "api")


def service(n: int, endpoints: range, protocol: str = "TCP", **info: object) -> ServiceState:
    port = 1053 if protocol == "UDP" else 8080
    return ServiceState(
        info=ServicePortInfo(cluster_ips=(f"10.96.50.{n}",), port=80, protocol=protocol, **info),  # type: ignore[arg-type]
        endpoints=tuple(
            Endpoint(ip=f"10.244.50.{i}", port=port, node_name=NODE) for i in endpoints
        ),
    )


def state(services: dict[ServicePortName, ServiceState]) -> ProxyState:
    return ProxyState(node_name=NODE, node_ips=("192.168.50.10",), services=services)


class Recorder(Iptables):
    """Keeps every iptables-restore input."""

    def __init__(self, netns: str) -> None:
        super().__init__("legacy", netns)
        self.inputs: list[str] = []
        self.fail_next = False

    async def restore(self, data: str) -> None:
        self.inputs.append(data)
        if self.fail_next:
            self.fail_next = False
            raise IptablesError("iptables-legacy-restore: injected failure")
        await super().restore(data)


@pytest.fixture
async def proxy(network) -> AsyncIterator[IptablesProxy]:
    proxy = IptablesProxy(IptablesOptions(netns=network.node.path), node_name=NODE)
    proxy.iptables = Recorder(network.node.path)
    await proxy.start()
    yield proxy
    await proxy.close()


def saved(network, table: str, mode: str = "legacy") -> list[str]:
    return network.node.run(f"iptables-{mode}-save", "-t", table).stdout.splitlines()


@pytest.mark.parametrize("mode", ["legacy", "nft"])
async def test_start_twice_keeps_one_jump_each_and_close_leaves_nothing(network, mode) -> None:
    first = IptablesProxy(IptablesOptions(mode=mode, netns=network.node.path), node_name=NODE)
    second = IptablesProxy(IptablesOptions(mode=mode, netns=network.node.path), node_name=NODE)
    await first.start()
    await second.start()
    await second.sync(state({WEB: service(1, range(1, 3))}))
    assert await network.resolve("10.96.50.1", 80) == {("10.244.50.1", 8080), ("10.244.50.2", 8080)}
    nat = saved(network, "nat", mode)
    assert (
        nat.count('-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
        == 1
    )
    assert (
        nat.count(
            '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'
        )
        == 1
    )
    filt = saved(network, "filter", mode)
    jumps = [line for line in filt if line.startswith("-A INPUT")]
    assert len(jumps) == len(set(jumps)) == 3
    await second.close()
    left = (*saved(network, "nat", mode), *saved(network, "filter", mode))
    assert not [line for line in left if "KUBE" in line]


async def test_an_endpoint_change_rewrites_only_that_service(proxy: IptablesProxy, network) -> None:
    await proxy.sync(state({WEB: service(1, range(1, 3)), API: service(2, range(3, 4))}))
    full = proxy.iptables.inputs[-1]
    assert ":KUBE-SERVICES" in full and "*filter" in full
    web_chains = set(proxy.rules[WEB].chains)
    api_chains = set(proxy.rules[API].chains)

    await proxy.update({WEB: service(1, range(1, 4))})
    partial = proxy.iptables.inputs[-1]
    declared = {line[1:].split()[0] for line in partial.splitlines() if line.startswith(":")}
    assert "*filter" not in partial and "KUBE-SERVICES" not in declared
    assert not declared & api_chains
    added = set(proxy.rules[WEB].chains) - web_chains  # the third endpoint's chain
    svc_chain = next(c for c in web_chains if c.startswith("KUBE-SVC-"))
    assert len(added) == 1 and declared == added | {svc_chain}
    assert await network.resolve("10.96.50.1", 80) == {(f"10.244.50.{i}", 8080) for i in (1, 2, 3)}

    await proxy.update({WEB: None})
    removal = proxy.iptables.inputs[-1]
    assert {f"-X {c}" for c in web_chains} <= set(removal.splitlines())
    nat = "\n".join(saved(network, "nat"))
    assert not any(c in nat for c in web_chains)
    assert all(c in nat for c in api_chains)
    assert await network.resolve("10.96.50.2", 80) == {("10.244.50.3", 8080)}


async def test_an_endpoints_first_rule_moves_to_filter_and_back(
    proxy: IptablesProxy, network
) -> None:
    await proxy.sync(state({WEB: service(1, range(1, 2))}))
    await proxy.update({WEB: service(1, range(0))})
    assert any("has no endpoints" in line and "REJECT" in line for line in saved(network, "filter"))
    assert await network.resolve("10.96.50.1", 80) == set()
    await proxy.update({WEB: service(1, range(2, 3))})
    assert not any("has no endpoints" in line for line in saved(network, "filter"))
    assert await network.resolve("10.96.50.1", 80) == {("10.244.50.2", 8080)}


async def test_a_previous_runs_chains_go_at_the_first_sync(network) -> None:
    crashed = IptablesProxy(IptablesOptions(netns=network.node.path), node_name=NODE)
    await crashed.start()
    await crashed.sync(state({WEB: service(1, range(1, 3))}))
    old_chains = set(crashed.rules[WEB].chains)
    successor = IptablesProxy(IptablesOptions(netns=network.node.path), node_name=NODE)
    await successor.start()
    assert await network.resolve("10.96.50.1", 80)  # still served until the first sync
    await successor.sync(state({API: service(2, range(3, 4))}))
    nat = "\n".join(saved(network, "nat"))
    assert not any(c in nat for c in old_chains)
    await successor.close()


async def test_client_ip_affinity_sticks(proxy: IptablesProxy, network) -> None:
    everyone = {(f"10.244.50.{i}", 8080) for i in (1, 2, 3)}
    await proxy.sync(state({WEB: service(1, range(1, 4))}))
    assert await network.resolve("10.96.50.1", 80) == everyone
    await proxy.update({WEB: service(1, range(1, 4), session_affinity_seconds=60)})
    picked = await network.resolve("10.96.50.1", 80)
    assert len(picked) == 1 and picked <= everyone


def _udp_from_fixed_port(address: str, timeout: float = 1.0) -> str:
    """Datagrams from the same source port belong to one conntrack flow ("": no answer)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.bind(("192.168.50.10", 40053))
        sock.connect((address, 80))
        sock.send(b"?")
        try:
            return sock.recv(512).decode().split()[0]
        except TimeoutError:
            return ""


async def test_udp_flows_to_a_removed_endpoint_are_forgotten(proxy: IptablesProxy, network) -> None:
    dns = ServicePortName("kube-system", "dns", "dns")
    await proxy.sync(state({dns: service(3, range(1, 2), protocol="UDP")}))
    assert network.node.call(_udp_from_fixed_port, "10.96.50.3") == "10.244.50.1"
    await proxy.update({dns: service(3, range(2, 3), protocol="UDP")})
    assert network.node.call(_udp_from_fixed_port, "10.96.50.3") == "10.244.50.2"


async def test_udp_flows_from_before_a_service_existed_are_forgotten(
    proxy: IptablesProxy, network
) -> None:
    dns = ServicePortName("kube-system", "dns", "dns")
    await proxy.sync(state({}))
    assert network.node.call(_udp_from_fixed_port, "10.96.50.5", 0.2) == ""  # a flow, unNATed
    await proxy.update({dns: service(5, range(1, 2), protocol="UDP")})
    assert network.node.call(_udp_from_fixed_port, "10.96.50.5") == "10.244.50.1"


async def test_a_rejected_restore_names_its_line(network) -> None:
    iptables = Iptables("legacy", network.node.path)
    with pytest.raises(IptablesError, match=r"line 2: -A NO-SUCH-CHAIN -j ACCEPT"):
        await iptables.restore("*nat\n-A NO-SUCH-CHAIN -j ACCEPT\nCOMMIT\n")


async def test_after_a_failed_update_the_next_one_is_a_full_sync(
    proxy: IptablesProxy, network
) -> None:
    await proxy.sync(state({WEB: service(1, range(1, 2)), API: service(2, range(3, 4))}))
    proxy.iptables.fail_next = True
    with pytest.raises(IptablesError, match="injected"):
        await proxy.update({WEB: service(1, range(1, 3))})
    await proxy.update({API: service(2, range(3, 5))})
    assert ":KUBE-SERVICES - [0:0]" in proxy.iptables.inputs[-1]  # everything rewritten
    assert await network.resolve("10.96.50.1", 80) == {("10.244.50.1", 8080), ("10.244.50.2", 8080)}
    assert await network.resolve("10.96.50.2", 80) == {("10.244.50.3", 8080), ("10.244.50.4", 8080)}
    await proxy.update({API: service(2, range(3, 4))})
    assert ":KUBE-SERVICES - [0:0]" not in proxy.iptables.inputs[-1]  # back to partial
