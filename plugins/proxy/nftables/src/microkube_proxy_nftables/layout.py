"""The nftables layout: a fixed skeleton of maps and chains, and the map elements one frontend
adds. Nothing here touches the kernel; it renders nft script text.

There is no chain per service: a frontend ``address . port`` maps (``fe_<proto>`` verdict
map) to the shared chain ``lb<n>_<proto>`` of services with ``n`` endpoints, which DNATs to
``eps_<proto>[address . port . numgen random mod n]``. Node ports do the same keyed by the
port alone (``np_``/``npeps_``), for packets to a local address. Frontends without any endpoint
sit in ``noep_<proto>`` (filter hooks: reject); a Local policy without local endpoints maps to
``drop`` in ``fe_``/``np_``. The node's own traffic to a Local-policy external frontend goes
through ``scfe_``/``scnp_`` (``fib saddr type local``) to every endpoint, as upstream.
Frontends to masquerade are in ``masq_<proto>`` (they set ``masquerade-bit``; postrouting
masquerades). ``fw_<proto>`` lists load-balancer frontends with source ranges: sources
outside ``fwsrc_<proto>`` are dropped. ``hairpin`` holds ``ip . ip`` for every endpoint, so a
pod reaching itself through its Service is masqueraded.
Only ClientIP-affinity frontends get chains of their own (``af_<id>`` choosing, ``ae_<id>_<ep>``
per endpoint, which records the client in the timed set ``as_<id>_<ep>``), like upstream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from microkube_proxy_nftables.frontends import PROTOCOLS, Frontend

__all__ = [
    "affinity_chain",
    "endpoint_id",
    "frontend_lines",
    "lb_chain",
    "skeleton",
]


def _digest(text: str, size: int) -> str:
    return hashlib.blake2s(text.encode(), digest_size=size).hexdigest()


def frontend_id(frontend: Frontend) -> str:
    p, kind, address, port, local_source = frontend.key
    return _digest(f"{p}/{kind}/{address}/{port}/{local_source}", 6)


def endpoint_id(target: tuple[str, int]) -> str:
    return _digest(f"{target[0]}:{target[1]}", 4)


def affinity_chain(frontend: Frontend) -> str:
    return f"af_{frontend_id(frontend)}"


def _prefix(kind: str, local_source: bool) -> str:
    """Name prefix of a frontend's maps and chains: ``sc`` (local source), ``np`` (node port)."""
    return ("sc" if local_source else "") + ("np" if kind == "nodeport" else "")


def lb_chain(kind: str, n: int, protocol: str, local_source: bool = False) -> str:
    return f"{_prefix(kind, local_source)}lb{n}_{protocol}"


def skeleton(table: str, masquerade_bit: int) -> str:
    """The table with its maps, sets and base chains (no elements, no lb chains)."""
    bit = f"{masquerade_bit:#x}"
    lines = [f"table ip {table} {{"]
    for p in PROTOCOLS:
        lines += [
            f"  map fe_{p} {{ type ipv4_addr . inet_service : verdict; }}",
            f"  map np_{p} {{ type inet_service : verdict; }}",
            f"  map eps_{p} {{ typeof ip daddr . {p} dport . numgen random mod 1 :"
            f" ip daddr . {p} dport; }}",
            f"  map npeps_{p} {{ typeof {p} dport . numgen random mod 1 : ip daddr . {p} dport; }}",
            f"  map scfe_{p} {{ type ipv4_addr . inet_service : verdict; }}",
            f"  map scnp_{p} {{ type inet_service : verdict; }}",
            f"  map sceps_{p} {{ typeof ip daddr . {p} dport . numgen random mod 1 :"
            f" ip daddr . {p} dport; }}",
            f"  map scnpeps_{p} {{ typeof {p} dport . numgen random mod 1 :"
            f" ip daddr . {p} dport; }}",
            f"  map noep_{p} {{ type ipv4_addr . inet_service : verdict; }}",
            f"  map npnoep_{p} {{ type inet_service : verdict; }}",
            f"  set masq_{p} {{ type ipv4_addr . inet_service; }}",
            f"  set npmasq_{p} {{ type inet_service; }}",
            f"  set fw_{p} {{ type ipv4_addr . inet_service; }}",
            f"  set fwsrc_{p} {{ type ipv4_addr . inet_service . ipv4_addr; flags interval; }}",
        ]
    lines.append("  set hairpin { type ipv4_addr . ipv4_addr; }")
    services = [
        *(
            f"    ip daddr . {p} dport @fw_{p} ip daddr . {p} dport . ip saddr != @fwsrc_{p} drop"
            for p in PROTOCOLS
        ),
        *(f"    ip daddr . {p} dport @masq_{p} meta mark set meta mark | {bit}" for p in PROTOCOLS),
        *(f"    fib saddr type local ip daddr . {p} dport vmap @scfe_{p}" for p in PROTOCOLS),
        *(f"    ip daddr . {p} dport vmap @fe_{p}" for p in PROTOCOLS),
        "    ip daddr != 127.0.0.0/8 fib daddr type local jump nodeports",
    ]
    nodeports = [
        *(f"    {p} dport @npmasq_{p} meta mark set meta mark | {bit}" for p in PROTOCOLS),
        *(f"    fib saddr type local {p} dport vmap @scnp_{p}" for p in PROTOCOLS),
        *(f"    {p} dport vmap @np_{p}" for p in PROTOCOLS),
    ]
    noendpoints = [
        *(f"    ip daddr . {p} dport vmap @noep_{p}" for p in PROTOCOLS),
        *(
            f"    ip daddr != 127.0.0.0/8 fib daddr type local {p} dport vmap @npnoep_{p}"
            for p in PROTOCOLS
        ),
    ]
    lines += [
        "  chain services {",
        *services,
        "  }",
        "  chain nodeports {",
        *nodeports,
        "  }",
        "  chain noendpoints {",
        *noendpoints,
        "  }",
        # TCP is refused with a reset (a closed port's answer; an ICMP error to a local
        # client on a loopback-routed service network is ignored), the rest with ICMP.
        "  chain reject_chain {",
        "    meta l4proto tcp reject with tcp reset",
        "    reject",
        "  }",
        # nft 1.0.6: a numeric priority on the output hook (DESIGN.md §5).
        "  chain nat_prerouting {",
        "    type nat hook prerouting priority -100; policy accept;",
        "    jump services",
        "  }",
        "  chain nat_output {",
        "    type nat hook output priority -100; policy accept;",
        "    jump services",
        "  }",
        "  chain nat_postrouting {",
        "    type nat hook postrouting priority 100; policy accept;",
        f"    meta mark & {bit} == {bit} meta mark set meta mark ^ {bit} masquerade",
        "    ct status dnat ip saddr . ip daddr @hairpin masquerade",
        "  }",
    ]
    for hook in ("input", "forward", "output"):
        lines += [
            f"  chain filter_{hook} {{",
            f"    type filter hook {hook} priority -110; policy accept;",
            "    ct state new jump noendpoints",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines)


def lb_chain_lines(
    table: str, kind: str, n: int, protocol: str, local_source: bool, bit: int
) -> list[str]:
    """The shared chain picking one of ``n`` endpoints at random (the node's own traffic to
    a Local-policy frontend is masqueraded too, as upstream)."""
    name = lb_chain(kind, n, protocol, local_source)
    emap = f"{_prefix(kind, local_source)}eps_{protocol}"
    key = f"{protocol} dport" if kind == "nodeport" else f"ip daddr . {protocol} dport"
    lines = [f"add chain ip {table} {name}"]
    if local_source:
        lines.append(f"add rule ip {table} {name} meta mark set meta mark | {bit:#x}")
    lines.append(f"add rule ip {table} {name} dnat ip to {key} . numgen random mod {n} map @{emap}")
    return lines


def _key(frontend: Frontend) -> str:
    if frontend.kind == "nodeport":
        return str(frontend.port)
    return f"{frontend.address} . {frontend.port}"


def _maps(frontend: Frontend) -> tuple[str, str, str, str]:
    """(verdict map, endpoints map, no-endpoints map, masquerade set) of a frontend."""
    p = frontend.protocol
    sc = "sc" if frontend.local_source else ""
    if frontend.kind == "nodeport":
        return f"{sc}np_{p}", f"{sc}npeps_{p}", f"npnoep_{p}", f"npmasq_{p}"
    return f"{sc}fe_{p}", f"{sc}eps_{p}", f"noep_{p}", f"masq_{p}"


def _affinity_set(frontend: Frontend, target: tuple[str, int]) -> str:
    return f"as_{frontend_id(frontend)}_{endpoint_id(target)}"


def _affinity_endpoint_chain(frontend: Frontend, target: tuple[str, int]) -> str:
    return f"ae_{frontend_id(frontend)}_{endpoint_id(target)}"


def _affinity_choice(table: str, frontend: Frontend, bit: int) -> list[str]:
    """The rules of ``af_<id>``: known clients go to their endpoint, others pick one."""
    chain = affinity_chain(frontend)
    lines = []
    if frontend.local_source:
        lines.append(f"add rule ip {table} {chain} meta mark set meta mark | {bit:#x}")
    lines += [
        f"add rule ip {table} {chain} ip saddr @{_affinity_set(frontend, t)}"
        f" goto {_affinity_endpoint_chain(frontend, t)}"
        for t in frontend.endpoints
    ]
    choices = ", ".join(
        f"{i} : goto {_affinity_endpoint_chain(frontend, t)}"
        for i, t in enumerate(frontend.endpoints)
    )
    n = len(frontend.endpoints)
    lines.append(f"add rule ip {table} {chain} numgen random mod {n} vmap {{ {choices} }}")
    return lines


def _affinity_endpoint(table: str, frontend: Frontend, target: tuple[str, int]) -> list[str]:
    name, chain = _affinity_set(frontend, target), _affinity_endpoint_chain(frontend, target)
    seconds = frontend.affinity_seconds
    return [
        f"add set ip {table} {name} {{ type ipv4_addr; flags dynamic,timeout;"
        f" timeout {seconds}s; }}",
        f"add chain ip {table} {chain}",
        f"add rule ip {table} {chain} update @{name} {{ ip saddr }}",
        f"add rule ip {table} {chain} meta l4proto {frontend.protocol}"
        f" dnat ip to {target[0]}:{target[1]}",
    ]


def _affinity_endpoint_removal(
    table: str, frontend: Frontend, target: tuple[str, int]
) -> list[str]:
    chain = _affinity_endpoint_chain(frontend, target)
    return [
        f"flush chain ip {table} {chain}",
        f"delete chain ip {table} {chain}",
        f"delete set ip {table} {_affinity_set(frontend, target)}",
    ]


def frontend_lines(table: str, frontend: Frontend, *, add: bool, bit: int) -> list[str]:
    """The elements (and affinity chains) that program ``frontend`` (``add``) or remove it."""
    verdicts, endpoints, empty, masq = _maps(frontend)
    key = _key(frontend)
    verb = "add" if add else "delete"
    lines: list[str] = []
    if frontend.source_ranges:
        p = frontend.protocol
        allowed = ", ".join(f"{key} . {cidr}" for cidr in frontend.source_ranges)
        lines.append(f"{verb} element ip {table} fw_{p} {{ {key} }}")
        lines.append(f"{verb} element ip {table} fwsrc_{p} {{ {allowed} }}")
    if not frontend.endpoints:
        # Rejected in the filter hooks; dropped (a Local policy without local endpoints) in
        # the nat dispatch, after the node's own traffic went to every endpoint instead.
        if frontend.empty == "reject":
            element = f"{key} : goto reject_chain" if add else key
            return [*lines, f"{verb} element ip {table} {empty} {{ {element} }}"]
        element = f"{key} : drop" if add else key
        return [*lines, f"{verb} element ip {table} {verdicts} {{ {element} }}"]
    affinity = frontend.affinity_seconds > 0
    if frontend.masquerade:
        lines.append(f"{verb} element ip {table} {masq} {{ {key} }}")
    if affinity:
        chain = affinity_chain(frontend)
        if add:
            lines.append(f"add chain ip {table} {chain}")
            for target in frontend.endpoints:
                lines += _affinity_endpoint(table, frontend, target)
            lines += _affinity_choice(table, frontend, bit)
            lines.append(f"add element ip {table} {verdicts} {{ {key} : goto {chain} }}")
        else:
            lines.append(f"delete element ip {table} {verdicts} {{ {key} }}")
            lines.append(f"flush chain ip {table} {chain}")
            lines.append(f"delete chain ip {table} {chain}")
            for target in frontend.endpoints:
                lines += _affinity_endpoint_removal(table, frontend, target)
        return lines
    if add:
        chain = lb_chain(
            frontend.kind, len(frontend.endpoints), frontend.protocol, frontend.local_source
        )
        elements = ", ".join(
            f"{key} . {i} : {ip} . {port}" for i, (ip, port) in enumerate(frontend.endpoints)
        )
        lines.append(f"add element ip {table} {endpoints} {{ {elements} }}")
        lines.append(f"add element ip {table} {verdicts} {{ {key} : goto {chain} }}")
    else:
        lines.append(f"delete element ip {table} {verdicts} {{ {key} }}")
        keys = ", ".join(f"{key} . {i}" for i in range(len(frontend.endpoints)))
        lines.append(f"delete element ip {table} {endpoints} {{ {keys} }}")
    return lines


def affinity_change_lines(table: str, old: Frontend, new: Frontend, bit: int) -> list[str]:
    """Change an affinity frontend's endpoints in place, keeping the recorded clients of the
    endpoints that stay (upstream keeps them too)."""
    chain = affinity_chain(new)
    lines = [f"flush chain ip {table} {chain}"]
    kept = set(old.endpoints) & set(new.endpoints)
    for target in old.endpoints:
        if target not in kept:
            lines += _affinity_endpoint_removal(table, old, target)
    for target in new.endpoints:
        if target not in kept:
            lines += _affinity_endpoint(table, new, target)
    lines += _affinity_choice(table, new, bit)
    if old.masquerade != new.masquerade:
        masq = _maps(new)[3]
        verb = "add" if new.masquerade else "delete"
        lines.append(f"{verb} element ip {table} {masq} {{ {_key(new)} }}")
    return lines


def hairpin_lines(table: str, ips: Iterable[str], *, add: bool) -> list[str]:
    ips = sorted(ips)
    if not ips:
        return []
    verb = "add" if add else "delete"
    elements = ", ".join(f"{ip} . {ip}" for ip in ips)
    return [f"{verb} element ip {table} hairpin {{ {elements} }}"]
