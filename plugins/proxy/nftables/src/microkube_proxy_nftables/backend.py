"""The ``nftables`` service proxy: owns one ``ip`` table and nothing else.

``sync`` replaces the table in one transaction (create, delete, rebuild: atomic for packets);
``update`` turns the changed service ports into their frontends, diffs them against what is
programmed and sends only the changed map elements, again as one transaction. Should an
incremental transaction fail, the whole desired state is synced instead.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping

from microkube.contracts import FactoryContext
from microkube.contracts.proxy import ProxyState, ServicePortName, ServiceState
from microkube_proxy_nftables import layout
from microkube_proxy_nftables.conntrack import Flow, delete_flows, stale_flows
from microkube_proxy_nftables.engine import NftEngine, NftError, make_engine
from microkube_proxy_nftables.frontends import Frontend, frontends_of
from microkube_proxy_nftables.options import NftablesOptions, parse_options

__all__ = ["NftablesProxy"]

log = logging.getLogger(__name__)

FrontendKey = tuple[str, str, str, int, bool]


class NftablesProxy:
    def __init__(self, options: NftablesOptions, node_name: str = "") -> None:
        self.options = options
        self.table = options.table
        self.node_name = node_name
        self.engine: NftEngine | None = None
        self._state: ProxyState | None = None
        self._services: dict[ServicePortName, ServiceState] = {}
        self._frontends: dict[FrontendKey, Frontend] = {}
        self._owners: dict[ServicePortName, list[FrontendKey]] = {}
        self._hairpin: Counter[str] = Counter()
        self._lb_chains: set[tuple[str, int, str, bool]] = set()
        self._programmed_chains: set[tuple[str, int, str, bool]] = set()

    @classmethod
    def from_context(cls, context: FactoryContext) -> NftablesProxy:
        return cls(parse_options(context.options), context.node_name or "")

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self.engine is None:
            self.engine = make_engine(self.options.engine, self.options.netns)

    async def close(self) -> None:
        if self.engine is None:
            return
        try:
            await self.engine.run(f"add table ip {self.table}\ndelete table ip {self.table}")
        finally:
            self.engine.close()
            self.engine = None
            self._reset()

    def _reset(self) -> None:
        self._state = None
        self._services.clear()
        self._frontends.clear()
        self._owners.clear()
        self._hairpin.clear()
        self._lb_chains.clear()
        self._programmed_chains.clear()

    @property
    def _bit(self) -> int:
        return self.options.masquerade_bit

    def _engine(self) -> NftEngine:
        if self.engine is None:
            raise RuntimeError("the nftables proxy is not started")
        return self.engine

    # -- sync ---------------------------------------------------------------------------

    async def sync(self, state: ProxyState) -> None:
        engine = self._engine()
        old = dict(self._frontends)
        self._reset()
        self._state = state
        self.node_name = state.node_name or self.node_name
        self._services = dict(state.services)
        lines = [
            f"add table ip {self.table}",
            f"delete table ip {self.table}",
            layout.skeleton(self.table, self.options.masquerade_bit),
        ]
        elements: list[str] = []
        for name in self._services:
            keys = []
            for frontend in self._frontends_of(self._services[name]):
                keys.append(frontend.key)
                self._frontends[frontend.key] = frontend
                elements += self._add_lines(frontend)
            self._owners[name] = keys
        lines += self._chain_lines()
        lines += elements
        lines += layout.hairpin_lines(self.table, self._hairpin, add=True)
        await engine.run("\n".join(lines) + "\n")
        await self._cleanup(
            [f for key, f in old.items() for f in stale_flows(f, self._frontends.get(key))]
        )

    async def update(self, changes: Mapping[ServicePortName, ServiceState | None]) -> None:
        if self._state is None:
            raise RuntimeError("update() before the first sync()")
        engine = self._engine()
        before = Counter(self._hairpin)
        lines: list[str] = []
        flows: list[Flow] = []
        for name, service in changes.items():
            if service is None:
                self._services.pop(name, None)
            else:
                self._services[name] = service
            fresh = {f.key: f for f in (self._frontends_of(service) if service else [])}
            for key in self._owners.pop(name, []):
                if key not in fresh and key in self._frontends:
                    gone = self._frontends.pop(key)
                    lines += self._remove_lines(gone)
                    flows += stale_flows(gone, None)
            for key, frontend in fresh.items():
                old = self._frontends.get(key)
                if old == frontend:
                    continue
                lines += self._change_lines(old, frontend)
                flows += stale_flows(old, frontend)
                self._frontends[key] = frontend
            self._owners[name] = list(fresh)
        if not lines:
            return
        added = [ip for ip in self._hairpin if ip not in before]
        removed = [ip for ip in before if ip not in self._hairpin]
        script = [
            *self._chain_lines(),
            *lines,
            *layout.hairpin_lines(self.table, removed, add=False),
            *layout.hairpin_lines(self.table, added, add=True),
        ]
        try:
            await engine.run("\n".join(script) + "\n")
        except NftError as exc:
            log.warning("nftables: incremental update failed (%s); syncing everything", exc)
            await self.sync(self._desired())
            return
        await self._cleanup(flows)

    def _desired(self) -> ProxyState:
        assert self._state is not None
        return ProxyState(
            node_name=self._state.node_name,
            node_ips=self._state.node_ips,
            services=dict(self._services),
        )

    # -- frontends → script lines -------------------------------------------------------

    def _frontends_of(self, service: ServiceState) -> list[Frontend]:
        return frontends_of(service, self.node_name)

    def _add_lines(self, frontend: Frontend) -> list[str]:
        for ip, _ in frontend.endpoints:
            self._hairpin[ip] += 1
        if frontend.endpoints and not frontend.affinity_seconds:
            self._lb_chains.add(
                (frontend.kind, len(frontend.endpoints), frontend.protocol, frontend.local_source)
            )
        return layout.frontend_lines(self.table, frontend, add=True, bit=self._bit)

    def _remove_lines(self, frontend: Frontend) -> list[str]:
        for ip, _ in frontend.endpoints:
            self._hairpin[ip] -= 1
            if self._hairpin[ip] <= 0:
                del self._hairpin[ip]
        return layout.frontend_lines(self.table, frontend, add=False, bit=self._bit)

    def _change_lines(self, old: Frontend | None, new: Frontend) -> list[str]:
        if old is None:
            return self._add_lines(new)
        in_place = (
            old.affinity_seconds == new.affinity_seconds > 0
            and old.endpoints
            and new.endpoints
            and old.source_ranges == new.source_ranges
        )
        if in_place:
            self._remove_lines(old)
            self._add_lines(new)
            return layout.affinity_change_lines(self.table, old, new, self._bit)
        return self._remove_lines(old) + self._add_lines(new)

    def _chain_lines(self) -> list[str]:
        """Shared lb chains not yet in the table (they stay until the next full sync)."""
        lines: list[str] = []
        for kind, n, protocol, local in sorted(self._lb_chains - self._programmed_chains):
            lines += layout.lb_chain_lines(self.table, kind, n, protocol, local, self._bit)
        self._programmed_chains = set(self._lb_chains)
        return lines

    async def _cleanup(self, flows: list[Flow]) -> None:
        if flows and self.options.conntrack_cleanup:
            await self._engine().call(delete_flows, flows)
