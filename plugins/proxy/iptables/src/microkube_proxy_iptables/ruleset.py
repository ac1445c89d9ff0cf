"""The whole ruleset: the shared chains assembled from every service port's lines, and the
``iptables-restore --noflush`` input that writes chains (a chain line flushes a chain) and
deletes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from microkube.contracts.proxy import ServicePortName
from microkube_proxy_iptables.chains import (
    FILTER_CHAINS,
    KUBE_FORWARD,
    KUBE_MARK_MASQ,
    KUBE_NODEPORTS,
    KUBE_POSTROUTING,
    KUBE_SERVICES,
    NAT_CHAINS,
)
from microkube_proxy_iptables.rules import RenderConfig, ServiceRules, is_ipv4, rule_line


def top_level_chains(
    services: Mapping[ServicePortName, ServiceRules], cfg: RenderConfig
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The shared chains' contents, ``{(table, chain): lines}``, for all services."""
    nat: dict[str, list[str]] = {chain: [] for chain in NAT_CHAINS}
    filt: dict[str, list[str]] = {chain: [] for chain in FILTER_CHAINS}
    for name in sorted(services):
        rules = services[name]
        for chain, lines in rules.nat.items():
            nat[chain].extend(lines)
        for chain, lines in rules.filter.items():
            filt[chain].extend(lines)

    tail = (
        '-m comment --comment "kubernetes service nodeports;'
        ' NOTE: this must be the last rule in this chain"'
    )
    node_ips = [ip for ip in cfg.node_ips if is_ipv4(ip)]
    if node_ips:
        for ip in node_ips:
            nat[KUBE_SERVICES].append(
                rule_line("-A", KUBE_SERVICES, tail, "-d", ip, "-j", KUBE_NODEPORTS)
            )
    else:
        nat[KUBE_SERVICES].append(
            rule_line(
                "-A",
                KUBE_SERVICES,
                tail,
                "-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j",
                KUBE_NODEPORTS,
            )
        )
    mark = f"{cfg.mark}/{cfg.mark}"
    nat[KUBE_POSTROUTING] = [
        f"-A {KUBE_POSTROUTING} -m mark ! --mark {mark} -j RETURN",
        f"-A {KUBE_POSTROUTING} -j MARK --xor-mark {cfg.mark}",
        f'-A {KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT"'
        " -j MASQUERADE" + (" --random-fully" if cfg.random_fully else ""),
    ]
    nat[KUBE_MARK_MASQ] = [f"-A {KUBE_MARK_MASQ} -j MARK --or-mark {cfg.mark}"]
    filt[KUBE_FORWARD] = [
        f"-A {KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP",
        f'-A {KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules"'
        f" -m mark --mark {mark} -j ACCEPT",
        f'-A {KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule"'
        " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    ]
    result = {("filter", chain): tuple(lines) for chain, lines in filt.items()}
    result.update({("nat", chain): tuple(lines) for chain, lines in nat.items()})
    return result


def restore_input(
    filter_chains: Mapping[str, tuple[str, ...]],
    nat_chains: Mapping[str, tuple[str, ...]],
    deleted_nat_chains: Iterable[str] = (),
    deleted_filter_chains: Iterable[str] = (),
    extra: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """``iptables-restore --noflush`` input that replaces exactly the given chains (a chain
    line flushes a chain) and deletes the given ones; ``extra`` lines per table (such as
    jumps from built-in chains) go between the two. Tables with nothing to do are left out."""
    out: list[str] = []
    extra = extra or {}
    for table, chains, deleted in (
        ("filter", filter_chains, tuple(deleted_filter_chains)),
        ("nat", nat_chains, tuple(deleted_nat_chains)),
    ):
        more = tuple(extra.get(table, ()))
        if not chains and not deleted and not more:
            continue
        out.append(f"*{table}")
        out.extend(f":{chain} - [0:0]" for chain in (*chains, *deleted))
        for lines in chains.values():
            out.extend(lines)
        out.extend(more)
        out.extend(f"-X {chain}" for chain in deleted)
        out.append("COMMIT")
    return "\n".join(out) + "\n" if out else ""


def full_restore_input(
    rules: Mapping[ServicePortName, ServiceRules],
    top: Mapping[tuple[str, str], tuple[str, ...]],
    deleted_nat_chains: Iterable[str] = (),
) -> str:
    """The input of a full sync: every shared chain and every service chain, rewritten."""
    nat: dict[str, tuple[str, ...]] = {c: top[("nat", c)] for c in NAT_CHAINS}
    for service in rules.values():
        nat.update(service.chains)
    filt = {c: top[("filter", c)] for c in FILTER_CHAINS}
    return restore_input(filt, nat, deleted_nat_chains)
