"""What the conformance suite cannot see: reject vs drop, ClientIP affinity, masquerade and
hairpin marks, UDP conntrack cleanup, incremental scripts, and other tables left alone."""

from __future__ import annotations

import socket
import time

import attrs
import pytest

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceState,
)

NODE = "node-a"
NODE_IPS = ("192.168.50.10",)
WEB = ServicePortName("default", "web")


def ep(n: int, node: str = NODE, port: int = 8080) -> Endpoint:
    return Endpoint(ip=f"10.244.50.{n}", port=port, node_name=node)


def svc(*endpoints: Endpoint, ip: str = "10.96.50.1", port: int = 80, **info) -> ServiceState:
    return ServiceState(
        info=ServicePortInfo(cluster_ips=(ip,), port=port, **info), endpoints=endpoints
    )


def state(services) -> ProxyState:
    return ProxyState(node_name=NODE, node_ips=NODE_IPS, services=services)


def connect_outcome(address: str, port: int) -> str:
    started = time.monotonic()
    try:
        with socket.create_connection((address, port), timeout=0.3):
            return "connected"
    except ConnectionRefusedError:
        return "refused" if time.monotonic() - started < 0.2 else "slow refusal"
    except TimeoutError:
        return "timeout"


async def test_no_endpoints_rejects_and_local_without_local_endpoints_drops(
    nft_proxy, probe, netns
):
    local = ServicePortName("default", "local")
    await nft_proxy.sync(
        state(
            {
                WEB: svc(),
                local: svc(ep(2, node="node-b"), ip="10.96.50.2", internal_traffic_local=True),
            }
        )
    )
    assert netns.call(connect_outcome, "10.96.50.1", 80) == "refused"
    assert netns.call(connect_outcome, "10.96.50.2", 80) == "timeout"


async def test_client_ip_affinity_sticks_and_survives_other_endpoint_changes(nft_proxy, probe):
    await nft_proxy.sync(state({WEB: svc(ep(1), ep(2), session_affinity_seconds=60)}))
    (first,) = await probe.resolve("10.96.50.1", 80, "TCP")
    await nft_proxy.update({WEB: svc(ep(1), ep(2), ep(3), session_affinity_seconds=60)})
    assert await probe.resolve("10.96.50.1", 80, "TCP") == {first}
    remaining = tuple(e for e in (ep(1), ep(2), ep(3)) if (e.ip, e.port) != first)
    await nft_proxy.update({WEB: svc(*remaining, session_affinity_seconds=60)})
    (moved,) = await probe.resolve("10.96.50.1", 80, "TCP")
    assert moved != first
    await nft_proxy.update({WEB: svc(*remaining)})  # affinity off: spread again
    assert len(await probe.resolve("10.96.50.1", 80, "TCP")) == 2


async def test_masquerade_and_hairpin_elements(nft_proxy):
    local = ServicePortName("default", "local")
    await nft_proxy.sync(
        state(
            {
                WEB: svc(ep(1), node_port=30080, external_ips=("203.0.113.10",)),
                local: svc(ep(2), ip="10.96.50.2", node_port=30081, external_traffic_local=True),
            }
        )
    )
    elements = await _elements(nft_proxy)
    assert elements["masq_tcp"] == [["203.0.113.10", 80]]  # not the cluster IP, not Local
    assert elements["npmasq_tcp"] == [30080]
    assert elements["hairpin"] == [["10.244.50.1", "10.244.50.1"], ["10.244.50.2", "10.244.50.2"]]
    await nft_proxy.update({WEB: None})
    elements = await _elements(nft_proxy)
    assert "masq_tcp" not in elements and "npmasq_tcp" not in elements
    assert elements["hairpin"] == [["10.244.50.2", "10.244.50.2"]]


async def test_update_sends_only_the_changed_elements(nft_proxy):
    other = ServicePortName("default", "other")
    await nft_proxy.sync(state({WEB: svc(ep(1)), other: svc(ep(3), ip="10.96.50.2")}))
    scripts: list[str] = []
    run = nft_proxy.engine.run

    async def spy(script: str) -> None:
        scripts.append(script)
        await run(script)

    nft_proxy.engine.run = spy
    await nft_proxy.update({WEB: svc(ep(1), ep(2))})
    (script,) = scripts
    assert "table ip microkube {" not in script and "delete table" not in script
    assert "10.96.50.2" not in script  # the other service is not touched
    assert "add chain ip microkube lb2_tcp" in script
    await nft_proxy.update({WEB: svc(ep(1), ep(2))})  # nothing changed: nothing sent
    assert len(scripts) == 1


async def test_removed_udp_endpoints_lose_their_conntrack_entries(nft_proxy, probe, netns):
    dns = ServicePortName("kube-system", "dns")
    await nft_proxy.sync(state({dns: svc(ep(1, port=1053), port=53, protocol="UDP")}))
    assert await probe.resolve("10.96.50.1", 53, "UDP") == {("10.244.50.1", 1053)}
    assert "10.244.50.1" in _udp_flows(netns)
    await nft_proxy.update({dns: svc(ep(2, port=1053), port=53, protocol="UDP")})
    assert "10.244.50.1" not in _udp_flows(netns)
    assert await probe.resolve("10.96.50.1", 53, "UDP") == {("10.244.50.2", 1053)}


async def test_other_tables_are_left_alone(nft_proxy, netns):
    netns.run("nft", "add table ip other; add chain ip other c; add rule ip other c counter")
    try:
        await nft_proxy.sync(state({WEB: svc(ep(1))}))
        await nft_proxy.close()
        tables = netns.run("nft", "list", "tables").stdout
        assert "table ip other" in tables and "microkube" not in tables
        assert "counter" in netns.run("nft", "list", "table", "ip", "other").stdout
    finally:
        netns.run("nft", "delete", "table", "ip", "other")


async def test_a_refused_update_falls_back_to_a_full_sync(nft_proxy, probe):
    await nft_proxy.sync(state({WEB: svc(ep(1))}))
    nft_proxy._frontends.clear()  # lose track: the next delete names elements nft lacks
    nft_proxy._owners[WEB] = [("tcp", "ip", "10.96.50.9", 80, False)]
    nft_proxy._frontends[("tcp", "ip", "10.96.50.9", 80, False)] = nft_proxy._frontends_of(
        svc(ep(4), ip="10.96.50.9")
    )[0]
    await nft_proxy.update({WEB: svc(ep(2))})
    assert await probe.resolve("10.96.50.1", 80, "TCP") == {("10.244.50.2", 8080)}


async def _elements(proxy) -> dict[str, list]:
    listing = await proxy.engine.list_json(f"table ip {proxy.table}")
    found: dict[str, list] = {}
    for item in listing["nftables"]:
        entry = item.get("set")
        if entry and entry.get("elem"):
            found[entry["name"]] = sorted(
                e["concat"] if isinstance(e, dict) and "concat" in e else e for e in entry["elem"]
            )
    return found


def _udp_flows(netns) -> str:
    return netns.run("conntrack", "-L", "-p", "udp", check=False).stdout


@pytest.fixture(autouse=True)
def _flush_conntrack(netns):
    yield
    netns.run("conntrack", "-F", check=False)


async def test_load_balancer_source_ranges(nft_proxy, network):
    def lb(*ranges: str) -> ServiceState:
        return svc(
            ep(1),
            load_balancer_ips=("198.51.100.7",),
            external_ips=("203.0.113.10",),
            load_balancer_source_ranges=ranges,
        )

    expected = {("10.244.50.1", 8080)}
    await nft_proxy.sync(state({WEB: lb("192.0.2.0/24")}))  # the outside client is not in it
    assert await network.resolve("198.51.100.7", 80, "TCP") == set()
    assert await network.resolve("203.0.113.10", 80, "TCP") == expected  # not an LB IP
    assert await network.resolve("10.96.50.1", 80, "TCP") == expected
    await nft_proxy.update({WEB: lb("192.0.2.0/24", "192.168.50.0/24")})
    assert await network.resolve("198.51.100.7", 80, "TCP") == expected
    await nft_proxy.update({WEB: lb()})
    assert await network.resolve("198.51.100.7", 80, "TCP") == expected


async def test_local_policy_applies_to_outside_traffic_not_to_the_node_itself(
    nft_proxy, probe, network
):
    both = {("10.244.50.1", 8080), ("10.244.50.2", 8080)}
    elsewhere = svc(ep(2, node="node-b"), node_port=30082, external_traffic_local=True)
    await nft_proxy.sync(
        state(
            {
                WEB: svc(ep(1), ep(2, node="node-b"), node_port=30081, external_traffic_local=True),
                ServicePortName("default", "elsewhere"): attrs.evolve(
                    elsewhere, info=attrs.evolve(elsewhere.info, cluster_ips=("10.96.50.2",))
                ),
            }
        )
    )
    node_ip = NODE_IPS[0]
    assert await network.resolve(node_ip, 30081, "TCP") == {("10.244.50.1", 8080)}
    assert await probe.resolve(node_ip, 30081, "TCP") == both
    # No local endpoint: outside traffic is dropped, the node's own reaches node-b's pod.
    assert await network.resolve(node_ip, 30082, "TCP") == set()
    assert await probe.resolve(node_ip, 30082, "TCP") == {("10.244.50.2", 8080)}
