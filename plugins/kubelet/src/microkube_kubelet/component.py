"""The ``kubelet`` component: one node's kubelet over the configured container runtime.

On start it builds the runtime selected by name (option ``runtime``, else the configuration's
``runtime``), reaches the API server through ``<data-dir>/kubeconfig`` (or option
``kubeconfig``) without waiting for it to answer — static pods run regardless — starts the
HTTPS server (logs, exec, port-forward, stats) unless ``serve: false``, then the kubelet.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.connect import find_kubeconfig, kubeconfig_path
from microkube.contracts.cni import CNIPlugin
from microkube.contracts.component import ComponentContext
from microkube.contracts.runtime import ContainerRuntime
from microkube_kubelet.cni_factory import build_cni
from microkube_kubelet.host import read_host
from microkube_kubelet.kubelet import Kubelet
from microkube_kubelet.options import KubeletOptions, parse_options
from microkube_kubelet.pod_source import ApiPodSource
from microkube_kubelet.runtime_factory import build_runtime
from microkube_kubelet.server import KubeletServer

__all__ = ["KubeletComponent", "open_api"]

log = logging.getLogger(__name__)


async def open_api(data_dir: Path, options: Any, node_name: str, within: float) -> ApiClient:
    """An ApiClient for the node's own kubeconfig (``kubelet-<node>``, by the rule of
    ``microkube.client.connect``) once it exists (waited for, bounded). The server need not
    answer yet: the kubelet runs its static pods and retries everything else meanwhile."""
    path = await find_kubeconfig(data_dir, options, f"kubelet-{node_name}", within)
    # Pod workers write status and events concurrently: keep enough connections open.
    return ApiClient.from_kubeconfig(path, timeout=30.0, max_idle=32)


class KubeletComponent:
    name = "kubelet"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options: KubeletOptions = parse_options(context.options)
        self.root_dir = Path(self.options.root_dir or Path(context.data_dir) / "kubelet")
        self.kubelet: Kubelet | None = None
        self.server: Any = None
        self.runtime: ContainerRuntime | None = None
        self._api: ApiClient | None = None
        self._source: ApiPodSource | None = None

    async def start(self) -> None:
        options = self.options
        config = self.context.config
        kubeconfig = kubeconfig_path(self.context.data_dir, self.context.options)
        runtime_name = options.runtime or getattr(config, "runtime", None) or "process"
        cni = self._cni()  # an unknown name fails before anything starts
        self.runtime = build_runtime(
            self.context.registry,
            config,
            runtime_name,
            Path(self.context.data_dir),
            kubeconfig,
            options.node_name,
        )
        await self.runtime.start()
        try:
            self._api = await open_api(
                Path(self.context.data_dir),
                self.context.options,
                options.node_name,
                options.api_wait_seconds,
            )
            await asyncio.to_thread(self.root_dir.mkdir, parents=True, exist_ok=True)
            host = await asyncio.to_thread(read_host, self.root_dir)
            self.kubelet = Kubelet(
                api=self._api,
                runtime=self.runtime,
                options=options,
                root_dir=self.root_dir,
                host=host,
                cni=cni,
            )
            self.runtime = self.kubelet.runtime  # with its pod network, when there is one
            if options.serve:
                self.server = KubeletServer(
                    self.runtime,
                    self.kubelet,
                    node_name=options.node_name,
                    address=options.address,
                    port=options.port,
                    cert_dir=options.cert_dir or self.root_dir / "pki",
                    stats_interval=options.stats_interval,
                )
                await self.server.start()
                self.kubelet.server_port = self.server.port
            await self.kubelet.start()
            self._source = ApiPodSource(self._api, options.node_name, self.kubelet)
            self._source.start()
        except BaseException:
            await self.stop()
            raise

    def _cni(self) -> CNIPlugin | None:
        """The CNI plugin named by option ``cni`` (None: pods use the node's network)."""
        if not self.options.cni:
            return None
        data_dir = Path(self.context.data_dir)
        registry, config = self.context.registry, self.context.config
        return build_cni(registry, config, self.options.cni, data_dir, self.options.node_name)

    async def stop(self) -> None:
        if self._source is not None:
            await self._source.stop()
            self._source = None
        if self.kubelet is not None:
            await self.kubelet.stop()
            self.kubelet = None
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.runtime is not None:
            await self.runtime.close()
            self.runtime = None
        if self._api is not None:
            await self._api.close()
            self._api = None
