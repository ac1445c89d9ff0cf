"""The rendered rules match what upstream kube-proxy renders for the same services.

The expected text is upstream's own: the output of ``TestOverallIPTablesRules`` in
kubernetes/kubernetes ``pkg/proxy/iptables/proxier_test.go`` (``upstream_overall_rules.txt``),
for six services covering ClusterIP, NodePort, external IPs, LoadBalancer with Local policy,
LoadBalancer with source ranges and ClientIP affinity, and a service without endpoints.
Three differences are upstream's own configuration branches, applied to its text here:

1. Upstream's test proxier has localhost NodePorts on (``route_localnet`` plus an ``nfacct``
   counter); microkube does not serve NodePorts on 127.0.0.0/8. Upstream then renders no
   ``-d 127.0.0.0/8 ... nfacct`` NodePort rules and no ``KUBE-FIREWALL`` chain, and its last
   ``KUBE-SERVICES`` rule excludes 127.0.0.0/8.
2. Without the ``ct_state_invalid_dropped_pkts`` nfacct counter the INVALID-drop rule has no
   ``-m nfacct`` match.
3. Upstream appends ``--random-fully`` to MASQUERADE when iptables supports it; its test fake
   says it does not, Debian's iptables 1.8.9 does.
"""

from __future__ import annotations

from pathlib import Path

from microkube_proxy_iptables.rules import RenderConfig, render_service
from microkube_proxy_iptables.ruleset import full_restore_input, top_level_chains

from microkube.contracts.proxy import Endpoint, ServicePortInfo, ServicePortName, ServiceState

UPSTREAM = Path(__file__).with_name("upstream_overall_rules.txt")
NODE = "test-node"  # upstream's testNodeName


def upstream_services() -> dict[ServicePortName, ServiceState]:
    """TestOverallIPTablesRules' services and EndpointSlices, as kube-proxy hands them over
    (endpoints without a NodeName are not local; a health check node port only with Local)."""

    def ep(ip: str, node: str = "") -> Endpoint:
        return Endpoint(ip=ip, port=80, node_name=node)

    def svc(n: int) -> ServicePortName:
        return ServicePortName(f"ns{n}", f"svc{n}", "p80")

    return {
        svc(1): ServiceState(
            info=ServicePortInfo(cluster_ips=("172.30.0.41",), port=80),
            endpoints=(ep("10.180.0.1"),),
        ),
        svc(2): ServiceState(
            info=ServicePortInfo(
                cluster_ips=("172.30.0.42",),
                port=80,
                node_port=3001,
                load_balancer_ips=("1.2.3.4",),
                external_ips=("192.168.99.22",),
                health_check_node_port=30000,
                external_traffic_local=True,
            ),
            endpoints=(ep("10.180.0.2"),),
        ),
        svc(3): ServiceState(
            info=ServicePortInfo(cluster_ips=("172.30.0.43",), port=80, node_port=3003),
            endpoints=(ep("10.180.0.3"),),
        ),
        svc(4): ServiceState(
            info=ServicePortInfo(
                cluster_ips=("172.30.0.44",), port=80, external_ips=("192.168.99.33",)
            ),
            endpoints=(ep("10.180.0.4"), ep("10.180.0.5", NODE)),
        ),
        svc(5): ServiceState(
            info=ServicePortInfo(
                cluster_ips=("172.30.0.45",),
                port=80,
                node_port=3002,
                load_balancer_ips=("5.6.7.8",),
                load_balancer_source_ranges=(" 203.0.113.0/25",),
                session_affinity_seconds=10800,
            ),
            endpoints=(ep("10.180.0.3"),),
        ),
        svc(6): ServiceState(info=ServicePortInfo(cluster_ips=("172.30.0.46",), port=80)),
    }


Parsed = dict[str, tuple[set[str], dict[str, list[str]]]]


def parse(text: str) -> Parsed:
    """``{table: (declared chains, {chain: rules in order})}`` of iptables-restore input."""
    tables: Parsed = {}
    chains: set[str] = set()
    rules: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            chains, rules = set(), {}
            tables[line[1:]] = (chains, rules)
        elif line.startswith(":"):
            chains.add(line[1:].split()[0])
        elif line.startswith("-A "):
            rules.setdefault(line.split()[1], []).append(line)
        else:
            assert line == "COMMIT", line
    return tables


def upstream_without_localhost_nodeports() -> Parsed:
    tables = parse(UPSTREAM.read_text())
    filter_chains, filter_rules = tables["filter"]
    nat_rules = tables["nat"][1]
    # 1. No localhost NodePorts.
    filter_chains.discard("KUBE-FIREWALL")
    del filter_rules["KUBE-FIREWALL"]
    nat_rules["KUBE-NODEPORTS"] = [r for r in nat_rules["KUBE-NODEPORTS"] if "nfacct" not in r]
    tail = nat_rules["KUBE-SERVICES"][-1]
    assert tail.endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    nat_rules["KUBE-SERVICES"][-1] = tail.replace(
        "--dst-type LOCAL", "--dst-type LOCAL ! -d 127.0.0.0/8"
    )
    # 2. No nfacct counter.
    filter_rules["KUBE-FORWARD"] = [
        r.replace(" -m nfacct --nfacct-name ct_state_invalid_dropped_pkts", "")
        for r in filter_rules["KUBE-FORWARD"]
    ]
    # 3. --random-fully.
    nat_rules["KUBE-POSTROUTING"] = [
        r + " --random-fully" if r.endswith("-j MASQUERADE") else r
        for r in nat_rules["KUBE-POSTROUTING"]
    ]
    return tables


def render(services: dict[ServicePortName, ServiceState], cfg: RenderConfig) -> str:
    rules = {name: render_service(name, svc, cfg) for name, svc in services.items()}
    return full_restore_input(rules, top_level_chains(rules, cfg))


def test_rules_match_upstream_kube_proxy() -> None:
    cfg = RenderConfig(node_name=NODE, cluster_cidr="10.0.0.0/8")
    ours = parse(render(upstream_services(), cfg))
    expected = upstream_without_localhost_nodeports()
    assert set(ours) == set(expected) == {"filter", "nat"}
    for table in ("filter", "nat"):
        assert ours[table][0] == expected[table][0], f"{table}: declared chains differ"
        assert ours[table][1] == expected[table][1], f"{table}: rules differ"


def test_node_ips_restrict_node_ports_to_those_addresses() -> None:
    """With known node IPs, upstream's ``--nodeport-addresses`` branch: one jump per IP."""
    cfg = RenderConfig(node_name=NODE, node_ips=("192.168.50.10", "fd00::1"))
    nat = parse(render(upstream_services(), cfg))["nat"][1]
    assert nat["KUBE-SERVICES"][-1:] == [
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be'
        ' the last rule in this chain" -d 192.168.50.10 -j KUBE-NODEPORTS'
    ]


def test_probabilities_are_one_over_the_endpoints_left() -> None:
    name = ServicePortName("ns", "web")
    endpoints = tuple(Endpoint(ip=f"10.1.0.{i}", port=8080) for i in range(1, 5))
    service = ServiceState(
        info=ServicePortInfo(cluster_ips=("10.96.0.9",), port=80), endpoints=endpoints
    )
    rules = render_service(name, service, RenderConfig(node_name=NODE))
    svc_chain = next(c for c in rules.chains if c.startswith("KUBE-SVC-"))
    probabilities = [
        r.split("--probability ")[1].split()[0] if "--probability" in r else None
        for r in rules.chains[svc_chain]
    ]
    assert probabilities == ["0.2500000000", "0.3333333333", "0.5000000000", None]


def test_large_clusters_drop_endpoint_comments() -> None:
    name = ServicePortName("ns", "web")
    service = ServiceState(
        info=ServicePortInfo(cluster_ips=("10.96.0.9",), port=80),
        endpoints=(Endpoint(ip="10.1.0.1", port=8080),),
    )
    rules = render_service(name, service, RenderConfig(node_name=NODE, endpoint_comments=False))
    endpoint_rules = [r for c, rs in rules.chains.items() if c.startswith("KUBE-SEP-") for r in rs]
    assert endpoint_rules and not any("--comment" in r for r in endpoint_rules)
