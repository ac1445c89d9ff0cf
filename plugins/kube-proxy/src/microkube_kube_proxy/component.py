"""The ``kube-proxy`` component: watches Services, EndpointSlices and its own Node, and
programs the selected service proxy backend through the :class:`Proxier`.

Start: connect (identity ``kube-proxy``), build and start the backend (option
``proxy-backend``, else the configuration's ``proxy``), list Services, EndpointSlices and the
Node, program everything with one full ``sync``, then keep programming changes. ``start``
returns once that first sync is done — the node's Services work from then on. ``stop``
closes the backend, which removes what it programmed.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from microkube.client.connect import connect, kubeconfig_path
from microkube.client.informer import SharedInformerFactory
from microkube.contracts.component import ComponentContext
from microkube.contracts.proxy import ServiceProxy
from microkube_kube_proxy.backend_factory import build_backend
from microkube_kube_proxy.node_addresses import node_ips
from microkube_kube_proxy.options import KubeProxyOptions, parse_options
from microkube_kube_proxy.proxier import Proxier

__all__ = ["KubeProxyComponent"]

log = logging.getLogger(__name__)


class KubeProxyComponent:
    name = "kube-proxy"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options: KubeProxyOptions = parse_options(context.options)
        config = context.config
        self.backend_name = self.options.proxy_backend or getattr(config, "proxy", "nftables")
        self.api: Any = None
        self.backend: ServiceProxy | None = None
        self.informers: SharedInformerFactory | None = None
        self.proxier: Proxier | None = None

    async def start(self) -> None:
        options = self.options
        data_dir = Path(self.context.data_dir)
        self.backend = build_backend(
            self.context.registry,
            self.context.config,
            self.backend_name,
            data_dir,
            kubeconfig_path(data_dir, self.context.options),
            options.node_name,
        )
        try:
            self.api = await connect(
                data_dir, self.context.options, identity="kube-proxy", within=options.start_within
            )
            await self.backend.start()
            self.proxier = proxier = Proxier(
                self.backend,
                options.node_name,
                options.node_ips,
                min_sync_period=options.min_sync_period,
                retry_seconds=options.retry_seconds,
            )
            self.informers = factory = SharedInformerFactory(self.api)
            services = factory.informer("services")
            slices = factory.informer("endpointslices")
            services.add_event_handler(
                proxier.on_service, proxier.on_service, proxier.on_service_delete
            )
            slices.add_event_handler(proxier.on_slice, proxier.on_slice, proxier.on_slice_delete)
            informers = [services, slices]
            if not options.node_ips:
                node = factory.informer(
                    "nodes", field_selector=f"metadata.name={options.node_name}"
                )
                node.add_event_handler(
                    self._on_node, lambda old, new: self._on_node(new), self._on_node_delete
                )
                informers.append(node)
            factory.start()
            async with asyncio.timeout(options.start_within):
                await factory.wait_for_cache_sync()
                for informer in informers:
                    await informer.wait_for_handlers()
            await proxier.sync()
            proxier.start()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "kube-proxy on %s: %s backend, %d service ports",
            options.node_name,
            self.backend_name,
            len(proxier.state().services),
        )

    def _on_node(self, node: Any) -> None:
        if self.proxier is not None:
            self.proxier.set_node_ips(node_ips(node))

    def _on_node_delete(self, node: Any) -> None:
        if self.proxier is not None:
            self.proxier.set_node_ips(())

    async def wait_idle(self) -> None:
        """Wait until every change seen so far is programmed."""
        if self.proxier is not None:
            await self.proxier.wait_idle()

    async def stop(self) -> None:
        if self.proxier is not None:
            await self.proxier.stop()
        if self.informers is not None:
            await self.informers.shutdown()
        if self.backend is not None:
            try:
                await self.backend.close()
            except Exception:
                log.exception("kube-proxy: closing the %s backend failed", self.backend_name)
        if self.api is not None:
            await self.api.close()
        self.proxier = self.informers = self.backend = self.api = None
