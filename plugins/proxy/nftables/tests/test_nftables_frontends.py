"""Service port → frontends: which endpoints each address gets, masquerade, reject or drop."""

from __future__ import annotations

import attrs
from microkube_proxy_nftables.frontends import frontends_of

from microkube.contracts.proxy import Endpoint, ServicePortInfo, ServiceState


def ep(n, node="node-a", **conditions):
    return Endpoint(ip=f"10.244.0.{n}", port=8080, node_name=node, **conditions)


def frontends(*endpoints, **info):
    info.setdefault("cluster_ips", ("10.96.0.1",))
    service = ServiceState(info=ServicePortInfo(port=80, **info), endpoints=endpoints)
    return {(f.kind, f.address): f for f in frontends_of(service, "node-a") if not f.local_source}


def test_every_address_kind_is_a_frontend():
    found = frontends(
        ep(1),
        ep(2, node="node-b"),
        node_port=30080,
        external_ips=("203.0.113.1",),
        load_balancer_ips=("198.51.100.1", "203.0.113.1"),
    )
    assert set(found) == {
        ("ip", "10.96.0.1"),
        ("ip", "203.0.113.1"),
        ("ip", "198.51.100.1"),
        ("nodeport", ""),
    }
    both = (("10.244.0.1", 8080), ("10.244.0.2", 8080))
    assert all(f.endpoints == both for f in found.values())
    assert not found["ip", "10.96.0.1"].masquerade
    assert found["ip", "203.0.113.1"].masquerade and found["nodeport", ""].masquerade


def test_external_local_keeps_local_endpoints_and_client_ips():
    found = frontends(ep(1), ep(2, node="node-b"), node_port=30080, external_traffic_local=True)
    assert found["ip", "10.96.0.1"].endpoints == (("10.244.0.1", 8080), ("10.244.0.2", 8080))
    assert found["nodeport", ""].endpoints == (("10.244.0.1", 8080),)
    assert not found["nodeport", ""].masquerade


def test_the_nodes_own_traffic_to_local_policy_frontends_uses_every_endpoint():
    service = ServiceState(
        info=ServicePortInfo(
            cluster_ips=("10.96.0.1",),
            port=80,
            node_port=30080,
            load_balancer_ips=("198.51.100.1",),
            external_traffic_local=True,
        ),
        endpoints=(ep(1), ep(2, node="node-b")),
    )
    variants = [f for f in frontends_of(service, "node-a") if f.local_source]
    assert {(f.kind, f.address) for f in variants} == {("nodeport", ""), ("ip", "198.51.100.1")}
    assert all(len(f.endpoints) == 2 for f in variants)
    only_local = attrs.evolve(service, endpoints=(ep(1),))
    assert not [f for f in frontends_of(only_local, "node-a") if f.local_source]


def test_empty_frontends_reject_without_endpoints_and_drop_under_local_policy():
    assert frontends()["ip", "10.96.0.1"].empty == "reject"
    local = frontends(ep(2, node="node-b"), internal_traffic_local=True)["ip", "10.96.0.1"]
    assert local.endpoints == () and local.empty == "drop"


def test_terminating_endpoints_are_the_fallback_and_ipv6_is_skipped():
    found = frontends(
        ep(1, ready=False, serving=True, terminating=True),
        ep(2, ready=False, serving=False, terminating=True),
        cluster_ips=("10.96.0.1", "fd00::1"),
    )
    assert list(found) == [("ip", "10.96.0.1")]
    assert found["ip", "10.96.0.1"].endpoints == (("10.244.0.1", 8080),)


def test_unknown_protocol_programs_nothing():
    service = ServiceState(info=ServicePortInfo(cluster_ips=("10.96.0.1",), port=80, protocol="X"))
    assert frontends_of(service, "node-a") == []


def test_source_ranges_apply_to_load_balancer_ips_only_normalised():
    found = frontends(
        ep(1),
        external_ips=("203.0.113.1",),
        load_balancer_ips=("198.51.100.1",),
        load_balancer_source_ranges=("192.0.2.9/24", "fd00::/8", "junk", "10.0.0.0/8"),
    )
    assert found["ip", "198.51.100.1"].source_ranges == ("10.0.0.0/8", "192.0.2.0/24")
    assert found["ip", "203.0.113.1"].source_ranges == ()
    assert found["ip", "10.96.0.1"].source_ranges == ()
