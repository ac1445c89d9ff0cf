"""The ``dns`` component: informers over Services and EndpointSlices, the server on its
address, and (by default) the kube-dns Service and EndpointSlice pointing at it."""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from microkube.client.connect import connect
from microkube.client.informer import SharedInformerFactory
from microkube.contracts.component import ComponentContext
from microkube_dns.cluster_view import SERVICE_INDEX, ClusterView, service_index
from microkube_dns.options import parse_options
from microkube_dns.records import ZoneResolver
from microkube_dns.registration import ServiceRegistration, address_toward
from microkube_dns.server import DnsServer
from microkube_dns.upstream import Forwarder, nameservers_from_resolv_conf

__all__ = ["DnsComponent"]

log = logging.getLogger(__name__)


class DnsComponent:
    name = "dns"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options = parse_options(context.options)
        self.api = None
        self.informers: SharedInformerFactory | None = None
        self.server: DnsServer | None = None
        self.registration: ServiceRegistration | None = None
        self.advertise_address = ""

    @property
    def port(self) -> int:
        return self.server.port if self.server else 0

    async def start(self) -> None:
        options = self.options
        kubeconfig = {"kubeconfig": options.kubeconfig} if options.kubeconfig else {}
        self.api = await connect(
            self.context.data_dir, kubeconfig, identity="dns", within=options.start_within
        )
        try:
            self.informers = factory = SharedInformerFactory(self.api)
            services = factory.informer("services")
            slices = factory.informer("endpointslices")
            slices.store.add_indexers({SERVICE_INDEX: service_index})
            factory.start()
            async with asyncio.timeout(options.start_within):
                await factory.wait_for_cache_sync()
            self.advertise_address = options.advertise_address or await asyncio.to_thread(
                address_toward, options.service_ip
            )
            if ipaddress.ip_address(self.advertise_address).is_loopback:
                log.warning(
                    "no route toward %s: advertising %s, which pods cannot reach "
                    "(set options.dns.advertise-address to a node address)",
                    options.service_ip,
                    self.advertise_address,
                )
            address = options.address or self.advertise_address
            own = {options.service_ip, self.advertise_address, address}
            upstream = list(options.upstream) or nameservers_from_resolv_conf(
                options.resolv_conf, exclude=own
            )
            resolver = ZoneResolver(
                ClusterView(services.store, slices.store),
                options.cluster_domain,
                options.ttl,
                options.service_ip,
            )
            self.server = DnsServer(resolver, Forwarder(upstream, options.upstream_timeout))
            await self.server.start(address, options.port)
            if options.register_service:
                self.registration = ServiceRegistration(
                    self.api, options, self.advertise_address, self.server.port
                )
                await self.registration.publish()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "cluster DNS for %s on %s:%d (advertised %s, upstream %s)",
            options.cluster_domain,
            address,
            self.server.port,
            self.advertise_address,
            ", ".join(upstream) or "none",
        )

    async def stop(self) -> None:
        if self.registration is not None:
            await self.registration.withdraw()
            self.registration = None
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.informers is not None:
            await self.informers.shutdown()
            self.informers = None
        if self.api is not None:
            await self.api.close()
            self.api = None
