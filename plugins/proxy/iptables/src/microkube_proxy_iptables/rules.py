"""Render service ports into iptables rules, in kube-proxy's iptables-mode layout.

Each service port becomes a :class:`ServiceRules`: the per-service chains it owns in the nat
table (``KUBE-SVC-``/``KUBE-SVL-``/``KUBE-EXT-``/``KUBE-FW-``/``KUBE-SEP-``) and the lines it
adds to the shared top-level chains (``KUBE-SERVICES``, ``KUBE-NODEPORTS``, ... in nat and
filter). The logic follows kube-proxy's ``syncProxyRules`` branch by branch (see the
README); the lines are ``iptables-restore`` input. :mod:`.ruleset` assembles the shared chains
and the restore input.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping

import attrs

from microkube.contracts.proxy import (
    Endpoint,
    ServicePortName,
    ServiceState,
    usable_endpoints,
)
from microkube_proxy_iptables import names
from microkube_proxy_iptables.chains import (
    KUBE_EXTERNAL_SERVICES,
    KUBE_MARK_MASQ,
    KUBE_NODEPORTS,
    KUBE_PROXY_FIREWALL,
    KUBE_SERVICES,
)


@attrs.frozen(kw_only=True)
class RenderConfig:
    node_name: str
    node_ips: tuple[str, ...] = ()
    #: kube-proxy's local detector by pod CIDR; None: not in use.
    cluster_cidr: str | None = None
    masquerade_all: bool = False
    mark: str = "0x4000"
    #: False in large-cluster mode: per-endpoint comments are left out.
    endpoint_comments: bool = True
    random_fully: bool = True


@attrs.frozen(kw_only=True)
class ServiceRules:
    """What one service port contributes to the ruleset."""

    #: The nat chains this service port owns, each with its rules (``-A CHAIN ...`` lines).
    chains: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    #: Its lines in the shared nat chains and filter chains, by chain.
    nat: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    filter: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


def endpoint_string(endpoint: Endpoint) -> str:
    return f"{endpoint.ip}:{endpoint.port}"


def is_ipv4(address: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, address)
    except OSError:
        return False
    return True


def _quote(comment: str) -> str:
    return f'"{comment}"' if " " in comment else comment


def rule_line(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def probability(n: int) -> str:
    """The statistic match's probability for the first of ``n`` remaining endpoints."""
    return f"{1.0 / n:0.10f}"


class _Builder:
    def __init__(self) -> None:
        self.chains: dict[str, list[str]] = {}
        self.nat: dict[str, list[str]] = {}
        self.filter: dict[str, list[str]] = {}

    def chain(self, chain: str) -> None:
        self.chains.setdefault(chain, [])

    def rule(self, chain: str, *parts: str) -> None:
        self.chains[chain].append(rule_line("-A", chain, *parts))

    def nat_rule(self, chain: str, *parts: str) -> None:
        self.nat.setdefault(chain, []).append(rule_line("-A", chain, *parts))

    def filter_rule(self, chain: str, *parts: str) -> None:
        self.filter.setdefault(chain, []).append(rule_line("-A", chain, *parts))

    def build(self) -> ServiceRules:
        return ServiceRules(
            chains={k: tuple(v) for k, v in self.chains.items()},
            nat={k: tuple(v) for k, v in self.nat.items()},
            filter={k: tuple(v) for k, v in self.filter.items()},
        )


def _sorted(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    unique = {endpoint_string(e): e for e in endpoints}
    return tuple(unique[k] for k in sorted(unique))


def render_service(name: ServicePortName, service: ServiceState, cfg: RenderConfig) -> ServiceRules:
    """The rules of one service port (IPv4 addresses only; others are ignored)."""
    info = service.info
    proto = info.protocol.lower()
    svc_name = str(name)
    port = str(info.port)
    out = _Builder()

    endpoints = tuple(e for e in service.endpoints if is_ipv4(e.ip))
    cluster_ips = [ip for ip in info.cluster_ips if is_ipv4(ip)]
    external_ips = [ip for ip in info.external_ips if is_ipv4(ip)]
    lb_ips = [ip for ip in info.load_balancer_ips if is_ipv4(ip)]

    # kube-proxy's CategorizeEndpoints.
    externally_accessible = bool(info.node_port or external_ips or lb_ips)
    internal_local = info.internal_traffic_local
    external_local = info.external_traffic_local and externally_accessible
    uses_cluster = not internal_local or (externally_accessible and not external_local)
    uses_local = internal_local or (externally_accessible and external_local)
    cluster_eps = _sorted(usable_endpoints(endpoints)) if uses_cluster else ()
    local_eps = (
        _sorted(usable_endpoints(e for e in endpoints if e.node_name == cfg.node_name))
        if uses_local
        else ()
    )
    has_endpoints = bool(usable_endpoints(endpoints))
    reachable = _sorted(cluster_eps + local_eps)

    svc_chain = names.service_chain(name, proto)
    svl_chain = names.local_chain(name, proto)
    ext_chain = names.external_chain(name, proto)
    fw_chain = names.firewall_chain(name, proto)
    uses_cluster_chain = bool(cluster_eps) and uses_cluster
    uses_local_chain = bool(local_eps) and uses_local

    internal_chain, has_internal = svc_chain, has_endpoints
    if internal_local:
        internal_chain, has_internal = svl_chain, bool(local_eps)
    external_policy_chain, has_external = svc_chain, has_endpoints
    if external_local:
        external_policy_chain, has_external = svl_chain, bool(local_eps)
    uses_ext_chain = has_endpoints and externally_accessible
    uses_fw_chain = has_endpoints and bool(lb_ips) and bool(info.load_balancer_source_ranges)
    lb_chain = fw_chain if uses_fw_chain else ext_chain

    internal_target = external_target = internal_comment = external_comment = ""
    if not has_endpoints:
        internal_target = external_target = "REJECT"
        internal_comment = external_comment = _quote(f"{svc_name} has no endpoints")
    else:
        if not has_internal:
            internal_target = "DROP"
            internal_comment = _quote(f"{svc_name} has no local endpoints")
        if not has_external:
            external_target = "DROP"
            external_comment = _quote(f"{svc_name} has no local endpoints")

    match = ("-m", proto, "-p", proto)
    for ip in cluster_ips:
        where = (*match, "-d", ip, "--dport", port)
        if has_internal:
            comment = _quote(f"{svc_name} cluster IP")
            out.nat_rule(
                KUBE_SERVICES, "-m comment --comment", comment, *where, "-j", internal_chain
            )
        else:
            out.filter_rule(
                KUBE_SERVICES,
                "-m comment --comment",
                internal_comment,
                *where,
                "-j",
                internal_target,
            )

    for ip in external_ips:
        where = (*match, "-d", ip, "--dport", port)
        if has_endpoints:
            comment = _quote(f"{svc_name} external IP")
            out.nat_rule(KUBE_SERVICES, "-m comment --comment", comment, *where, "-j", ext_chain)
        if not has_external:
            out.filter_rule(
                KUBE_EXTERNAL_SERVICES,
                "-m comment --comment",
                external_comment,
                *where,
                "-j",
                external_target,
            )

    for ip in lb_ips:
        where = (*match, "-d", ip, "--dport", port)
        if has_endpoints:
            comment = _quote(f"{svc_name} loadbalancer IP")
            out.nat_rule(KUBE_SERVICES, "-m comment --comment", comment, *where, "-j", lb_chain)
        if uses_fw_chain:
            comment = _quote(f"{svc_name} traffic not accepted by {fw_chain}")
            out.filter_rule(KUBE_PROXY_FIREWALL, "-m comment --comment", comment, *where, "-j DROP")
    if not has_external:
        for ip in lb_ips:
            out.filter_rule(
                KUBE_EXTERNAL_SERVICES,
                "-m comment --comment",
                external_comment,
                *match,
                "-d",
                ip,
                "--dport",
                port,
                "-j",
                external_target,
            )

    if info.node_port:
        node_port = str(info.node_port)
        if has_endpoints:
            out.nat_rule(
                KUBE_NODEPORTS,
                "-m comment --comment",
                _quote(svc_name),
                *match,
                "--dport",
                node_port,
                "-j",
                ext_chain,
            )
        if not has_external:
            out.filter_rule(
                KUBE_EXTERNAL_SERVICES,
                "-m comment --comment",
                external_comment,
                "-m addrtype --dst-type LOCAL",
                *match,
                "--dport",
                node_port,
                "-j",
                external_target,
            )

    if info.health_check_node_port:
        comment = _quote(f"{svc_name} health check node port")
        out.filter_rule(
            KUBE_NODEPORTS,
            "-m comment --comment",
            comment,
            "-m tcp -p tcp --dport",
            str(info.health_check_node_port),
            "-j ACCEPT",
        )

    if has_internal:
        out.chain(internal_chain)
        for ip in cluster_ips:
            args = (
                "-m comment --comment",
                _quote(f"{svc_name} cluster IP"),
                *match,
                "-d",
                ip,
                "--dport",
                port,
            )
            if cfg.masquerade_all:
                out.rule(internal_chain, *args, "-j", KUBE_MARK_MASQ)
            elif cfg.cluster_cidr:
                out.rule(internal_chain, *args, "!", "-s", cfg.cluster_cidr, "-j", KUBE_MARK_MASQ)

    if uses_ext_chain:
        out.chain(ext_chain)
        if not external_local:
            comment = _quote(f"masquerade traffic for {svc_name} external destinations")
            out.rule(ext_chain, "-m comment --comment", comment, "-j", KUBE_MARK_MASQ)
        else:
            if cfg.cluster_cidr:
                comment = _quote(f"pod traffic for {svc_name} external destinations")
                out.rule(
                    ext_chain,
                    "-m comment --comment",
                    comment,
                    "-s",
                    cfg.cluster_cidr,
                    "-j",
                    svc_chain,
                )
            comment = _quote(f"masquerade LOCAL traffic for {svc_name} external destinations")
            out.rule(
                ext_chain,
                "-m comment --comment",
                comment,
                "-m addrtype --src-type LOCAL",
                "-j",
                KUBE_MARK_MASQ,
            )
            comment = _quote(f"route LOCAL traffic for {svc_name} external destinations")
            out.rule(
                ext_chain,
                "-m comment --comment",
                comment,
                "-m addrtype --src-type LOCAL",
                "-j",
                svc_chain,
            )
        if has_external:
            out.rule(ext_chain, "-j", external_policy_chain)

    if uses_fw_chain:
        out.chain(fw_chain)
        comment = _quote(f"{svc_name} loadbalancer IP")
        allow_from_node = False
        for cidr in info.load_balancer_source_ranges:
            network = ipaddress.ip_network(cidr.strip(), strict=False)
            out.rule(fw_chain, "-m comment --comment", comment, "-s", str(network), "-j", ext_chain)
            if any(is_ipv4(ip) and ipaddress.ip_address(ip) in network for ip in cfg.node_ips[:1]):
                allow_from_node = True
        if allow_from_node:
            for ip in lb_ips:
                out.rule(fw_chain, "-m comment --comment", comment, "-s", ip, "-j", ext_chain)
        comment = _quote(f"other traffic to {svc_name} will be dropped by KUBE-PROXY-FIREWALL")
        out.rule(fw_chain, "-m comment --comment", comment)

    if uses_cluster_chain:
        _endpoint_rules(out, name, proto, service, svc_chain, cluster_eps, cfg)
    if uses_local_chain:
        _endpoint_rules(out, name, proto, service, svl_chain, local_eps, cfg)

    for endpoint in reachable:
        target = endpoint_string(endpoint)
        chain = names.endpoint_chain(name, proto, target)
        out.chain(chain)
        comment = ("-m comment --comment", _quote(svc_name)) if cfg.endpoint_comments else ()
        out.rule(chain, *comment, "-s", endpoint.ip, "-j", KUBE_MARK_MASQ)
        affinity = ("-m recent --name", chain, "--set") if info.session_affinity_seconds else ()
        out.rule(chain, *comment, *affinity, *match, "-j DNAT --to-destination", target)
    return out.build()


def _endpoint_rules(
    out: _Builder,
    name: ServicePortName,
    proto: str,
    service: ServiceState,
    chain: str,
    endpoints: tuple[Endpoint, ...],
    cfg: RenderConfig,
) -> None:
    """The load-balancing rules of a policy chain: affinity first, then 1/n, 1/(n-1), ..."""
    out.chain(chain)
    seconds = service.info.session_affinity_seconds
    chains = [names.endpoint_chain(name, proto, endpoint_string(e)) for e in endpoints]

    def comment(endpoint: Endpoint) -> tuple[str, ...]:
        if not cfg.endpoint_comments:
            return ()
        return ("-m comment --comment", _quote(f"{name} -> {endpoint_string(endpoint)}"))

    if seconds:
        for endpoint, sep in zip(endpoints, chains, strict=True):
            out.rule(
                chain,
                *comment(endpoint),
                "-m recent --name",
                sep,
                "--rcheck --seconds",
                str(seconds),
                "--reap -j",
                sep,
            )
    n = len(endpoints)
    for i, (endpoint, sep) in enumerate(zip(endpoints, chains, strict=True)):
        statistic = (
            ("-m statistic --mode random --probability", probability(n - i)) if i < n - 1 else ()
        )
        out.rule(chain, *comment(endpoint), *statistic, "-j", sep)
