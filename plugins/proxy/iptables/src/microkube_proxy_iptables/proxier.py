"""The ``iptables`` service proxy: kube-proxy's iptables mode over ``iptables-restore``.

A full sync renders every service port and replaces all of this backend's chains in one
``iptables-restore --noflush`` transaction per table (other software's chains are untouched).
An update re-renders only the changed service ports and writes only the chains whose content
changed — a service's own chains, plus a shared chain (``KUBE-SERVICES``, ...) only when its
content differs — and deletes the chains that went away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from microkube.contracts.proxy import (
    ProxyState,
    ServicePortName,
    ServiceState,
    usable_endpoints,
)
from microkube.contracts.registration import FactoryContext
from microkube_proxy_iptables import names
from microkube_proxy_iptables.chains import FILTER_CHAINS, NAT_CHAINS
from microkube_proxy_iptables.commands import Iptables, IptablesError
from microkube_proxy_iptables.jumps import jump_lines, saved_chains
from microkube_proxy_iptables.options import IptablesOptions, parse_options
from microkube_proxy_iptables.rules import RenderConfig, ServiceRules, render_service
from microkube_proxy_iptables.ruleset import full_restore_input, restore_input, top_level_chains

log = logging.getLogger(__name__)

TopLevel = dict[tuple[str, str], tuple[str, ...]]

#: How many conntrack commands run at once after a sync.
_CONNTRACK_CONCURRENCY = 8


def _shared_lines(rules: ServiceRules | None) -> object:
    """A service port's lines in the shared chains (None: no such service port)."""
    return (rules.nat, rules.filter) if rules is not None else None


class IptablesProxy:
    """A :class:`~microkube.contracts.proxy.ServiceProxy` programming iptables."""

    def __init__(self, options: IptablesOptions | None = None, node_name: str = "") -> None:
        self.options = options or IptablesOptions()
        self.node_name = node_name
        self.iptables = Iptables(self.options.mode, self.options.netns)
        self._lock = asyncio.Lock()
        self._state: ProxyState | None = None
        self._config: RenderConfig | None = None
        self._rules: dict[ServicePortName, ServiceRules] = {}
        self._top: TopLevel = {}
        self._needs_full_sync = False
        #: Service chains found at start (a previous run's): deleted by the first sync.
        self._leftovers: set[str] = set()

    @classmethod
    def from_context(cls, context: FactoryContext) -> IptablesProxy:
        return cls(parse_options(context.options), context.node_name or "")

    @property
    def rules(self) -> Mapping[ServicePortName, ServiceRules]:
        """The rendered rules of each programmed service port."""
        return self._rules

    async def start(self) -> None:
        """Create the shared chains (keeping any rules a previous run left in them, so
        traffic keeps flowing until the first sync) and the jumps into them."""
        async with self._lock:
            saved = {table: await self.iptables.save(table) for table in ("filter", "nat")}
            nat, filt = saved_chains(saved["nat"]), saved_chains(saved["filter"])
            await self.iptables.restore(
                restore_input(
                    {c: () for c in FILTER_CHAINS if c not in filt},
                    {c: () for c in NAT_CHAINS if c not in nat},
                    extra=jump_lines(saved, present=True),
                )
            )
            self._leftovers = {c for c in nat if names.is_service_chain(c)}

    async def close(self) -> None:
        """Remove the jumps and every chain of this backend."""
        async with self._lock:
            saved = {table: await self.iptables.save(table) for table in ("filter", "nat")}
            nat, filt = saved_chains(saved["nat"]), saved_chains(saved["filter"])
            await self.iptables.restore(
                restore_input(
                    {},
                    {},
                    deleted_nat_chains=sorted(
                        c for c in nat if c in NAT_CHAINS or names.is_service_chain(c)
                    ),
                    deleted_filter_chains=[c for c in FILTER_CHAINS if c in filt],
                    extra=jump_lines(saved, present=False),
                )
            )
            self._state = self._config = None
            self._rules, self._top, self._leftovers = {}, {}, set()

    async def sync(self, state: ProxyState) -> None:
        async with self._lock:
            await self._full_sync(state)

    async def update(self, changes: Mapping[ServicePortName, ServiceState | None]) -> None:
        async with self._lock:
            if self._state is None:
                raise RuntimeError("update() before the first sync()")
            services = dict(self._state.services)
            for name, service in changes.items():
                if service is None:
                    services.pop(name, None)
                else:
                    services[name] = service
            state = ProxyState(
                node_name=self._state.node_name, node_ips=self._state.node_ips, services=services
            )
            config = self._render_config(state)
            # A full sync when every chain changes (large-cluster mode switched) or when a
            # failed restore may have left one table applied and the other not.
            if config != self._config or self._needs_full_sync:
                await self._full_sync(state)
                return
            try:
                await self._partial_sync(state, config, changes)
            except IptablesError:
                self._needs_full_sync = True
                self._state = state  # what the next (full) sync brings about
                raise

    # -- internals ----------------------------------------------------------------------

    def _render_config(self, state: ProxyState) -> RenderConfig:
        total = sum(len(s.endpoints) for s in state.services.values())
        return RenderConfig(
            node_name=state.node_name or self.node_name,
            node_ips=tuple(state.node_ips),
            cluster_cidr=self.options.cluster_cidr,
            masquerade_all=self.options.masquerade_all,
            mark=hex(1 << self.options.masquerade_bit),
            endpoint_comments=total <= self.options.large_cluster_endpoints,
        )

    async def _full_sync(self, state: ProxyState) -> None:
        config = self._render_config(state)
        known = {c for service in self._rules.values() for c in service.chains}
        leftovers = self._leftovers

        def render() -> tuple[dict[ServicePortName, ServiceRules], TopLevel, str]:
            # On a thread: thousands of services take a while, the event loop keeps going.
            rules = {name: render_service(name, s, config) for name, s in state.services.items()}
            top = top_level_chains(rules, config)
            wanted = {c for service in rules.values() for c in service.chains}
            stale = sorted((known | leftovers) - wanted)
            return rules, top, full_restore_input(rules, top, stale)

        rules, top, data = await asyncio.to_thread(render)
        self._needs_full_sync = True
        await self.iptables.restore(data)
        self._needs_full_sync = False
        log.debug("full sync: %d service ports, %d bytes restored", len(rules), len(data))
        old = self._state
        self._state, self._config, self._rules, self._top = state, config, rules, top
        self._leftovers = set()
        if old is not None:
            touched = old.services.keys() | state.services.keys()
            await self._forget_stale_udp(old.services, state.services, touched)

    async def _partial_sync(
        self,
        state: ProxyState,
        config: RenderConfig,
        changes: Mapping[ServicePortName, ServiceState | None],
    ) -> None:
        rules = dict(self._rules)
        chains: dict[str, tuple[str, ...]] = {}
        stale: set[str] = set()
        shared_changed = False
        for name, service in changes.items():
            before = self._rules.get(name)
            after = render_service(name, service, config) if service is not None else None
            if after is None:
                rules.pop(name, None)
            else:
                rules[name] = after
            shared_changed |= _shared_lines(before) != _shared_lines(after)
            old_chains = before.chains if before else {}
            new_chains = after.chains if after else {}
            chains.update({c: r for c, r in new_chains.items() if old_chains.get(c) != r})
            stale |= old_chains.keys() - new_chains.keys()
        # The shared chains are rebuilt only when a changed service's lines in them changed
        # (an endpoint change alone touches only the service's own chains).
        top = top_level_chains(rules, config) if shared_changed else self._top
        changed = {key: lines for key, lines in top.items() if self._top.get(key) != lines}
        nat = {c: lines for (table, c), lines in changed.items() if table == "nat"}
        nat.update(chains)
        filt = {c: lines for (table, c), lines in changed.items() if table == "filter"}
        data = restore_input(filt, nat, sorted(stale))
        await self.iptables.restore(data)
        log.debug("update: %d service ports, %d bytes restored", len(changes), len(data))
        old = self._state
        assert old is not None
        self._state, self._rules, self._top = state, rules, top
        await self._forget_stale_udp(old.services, state.services, changes.keys())

    async def _forget_stale_udp(
        self,
        before: Mapping[ServicePortName, ServiceState],
        after: Mapping[ServicePortName, ServiceState],
        names_: Iterable[ServicePortName],
    ) -> None:
        """UDP has no connection end: conntrack keeps sending a flow to a removed endpoint,
        or on to REJECT after a service had none, until it is deleted (as kube-proxy does)."""
        jobs: list[tuple[str, str]] = []

        def udp(service: ServiceState | None) -> ServiceState | None:
            return service if service is not None and service.info.protocol == "UDP" else None

        def vips(service: ServiceState) -> tuple[str, ...]:
            info = service.info
            return (*info.cluster_ips, *info.external_ips, *info.load_balancer_ips)

        for name in names_:
            old, new = udp(before.get(name)), udp(after.get(name))
            old_ips = {e.ip for e in usable_endpoints(old.endpoints)} if old else set()
            new_ips = {e.ip for e in usable_endpoints(new.endpoints)} if new else set()
            if old is not None:  # flows to endpoints that are gone
                jobs += [(vip, ip) for vip in vips(old) for ip in sorted(old_ips - new_ips)]
            if new is not None and new_ips and not old_ips:  # flows from before it had any
                jobs += [(vip, "") for vip in vips(new)]
        if not jobs:
            return
        limit = asyncio.Semaphore(_CONNTRACK_CONCURRENCY)

        async def forget(vip: str, endpoint_ip: str) -> None:
            async with limit:
                await self.iptables.forget_conntrack("udp", vip, endpoint_ip)

        await asyncio.gather(*(forget(vip, ip) for vip, ip in jobs))
