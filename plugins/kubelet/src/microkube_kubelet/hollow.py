"""Hollow nodes (kubemark's idea): many kubelets in one process over the ``hollow`` runtime,
for scale tests of the control plane.

Every hollow kubelet is a full :class:`~microkube_kubelet.kubelet.Kubelet` (registration,
lease, node status, pod workers, PLEG) with a runtime of its own, but they share one
:class:`~microkube.client.api.ApiClient` (one connection pool), one event loop and one pod
informer that dispatches by ``spec.nodeName``. They run no HTTPS server, report a fixed
pretend capacity, and spread their lease renewals and status posts over the interval.

``microkube hollow-nodes --count N`` runs them until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from pathlib import Path
from typing import Any

import attrs

from microkube.client.api import ApiClient
from microkube.client.connect import connect
from microkube.config import ConfigError
from microkube.plugins import SelectionError, load_plugins
from microkube_kubelet.host import hollow_host
from microkube_kubelet.kubelet import Kubelet
from microkube_kubelet.options import KubeletOptions
from microkube_kubelet.pod_source import SharedPodSource
from microkube_kubelet.runtime_factory import build_runtime

__all__ = ["HollowNodes", "add_arguments", "hollow_pod_cidr", "run"]

RUNTIME = "hollow"


def hollow_pod_cidr(index: int) -> str:
    """A /24 of 10.128.0.0/9 per hollow node, so pod IPs differ across nodes."""
    network = ipaddress.ip_network("10.128.0.0/9")
    if index >= 2 ** (24 - 9):
        raise ValueError(f"at most {2 ** (24 - 9)} hollow nodes (got index {index})")
    return str(ipaddress.ip_network((int(network.network_address) + (index << 8), 24)))


class HollowNodes:
    """``count`` hollow kubelets named ``<prefix><i>`` sharing ``api``."""

    def __init__(
        self,
        api: ApiClient,
        registry: Any,
        config: Any,
        *,
        count: int,
        data_dir: Path,
        prefix: str = "hollow-node-",
        cpus: int = 4,
        memory_bytes: int = 16 * 1024**3,
        max_pods: int = 110,
        options: dict[str, Any] | None = None,
    ) -> None:
        if count < 1:
            raise ValueError("--count must be at least 1")
        self.api = api
        self.registry = registry
        self.config = config
        self.count = count
        self.data_dir = data_dir
        self.prefix = prefix
        self.cpus = cpus
        self.memory_bytes = memory_bytes
        self.max_pods = max_pods
        self.extra = dict(options or {})
        self.kubelets: dict[str, Kubelet] = {}
        self._source: SharedPodSource | None = None

    def _options(self, name: str) -> KubeletOptions:
        base = KubeletOptions(
            node_name=name,
            serve=False,
            max_pods=self.max_pods,
            root_dir=str(self.data_dir / "hollow" / name),
            # Hollow pods have no processes: relist less often than a real node.
            pleg_relist_period=2.0,
        )
        return attrs.evolve(base, **self.extra) if self.extra else base

    async def start(self) -> None:
        runtime_options = dict((getattr(self.config, "options", None) or {}).get(RUNTIME, {}))
        for index in range(self.count):
            name = f"{self.prefix}{index}"
            options = self._options(name)
            config = attrs.evolve(
                self.config,
                options={
                    **self.config.options,
                    RUNTIME: {"pod-cidr": hollow_pod_cidr(index), **runtime_options},
                },
            )
            runtime = build_runtime(
                self.registry, config, RUNTIME, self.data_dir, self.data_dir / "kubeconfig", name
            )
            await runtime.start()
            kubelet = Kubelet(
                api=self.api,
                runtime=runtime,
                options=options,
                root_dir=Path(options.root_dir or ""),
                host=hollow_host(name, cpus=self.cpus, memory_bytes=self.memory_bytes),
                jitter=options.node_lease_duration_seconds / 4,
            )
            await kubelet.start()
            self.kubelets[name] = kubelet
        self._source = SharedPodSource(self.api, self.kubelets, field_selector=None)
        self._source.start()

    async def stop(self) -> None:
        if self._source is not None:
            await self._source.stop()
        for kubelet in self.kubelets.values():
            await kubelet.stop()
            await kubelet.runtime.close()
        self.kubelets.clear()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, required=True, help="how many hollow nodes")
    parser.add_argument("--prefix", default="hollow-node-", help="node names are PREFIX<i>")
    parser.add_argument("--kubeconfig", help="kubeconfig of the API server")
    parser.add_argument("--cpu", type=int, default=4, help="CPUs each node reports")
    parser.add_argument("--memory-gi", type=int, default=16, help="GiB of memory each reports")
    parser.add_argument("--max-pods", type=int, default=110, help="pods each node accepts")


async def _run(args: argparse.Namespace) -> None:
    config = args.config
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"microkube hollow-nodes: error: {error}", file=sys.stderr)
    data_dir = Path(config.data_dir)
    options = {"kubeconfig": args.kubeconfig} if args.kubeconfig else {}
    api = await connect(data_dir, options, max_idle=64)
    nodes = HollowNodes(
        api,
        registry,
        config,
        count=args.count,
        data_dir=data_dir,
        prefix=args.prefix,
        cpus=args.cpu,
        memory_bytes=args.memory_gi * 1024**3,
        max_pods=args.max_pods,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await nodes.start()
        print(f"microkube hollow-nodes: {args.count} nodes running", flush=True)
        await stop.wait()
    finally:
        await nodes.stop()
        await api.close()


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run(args))
    except (SelectionError, ConfigError, OSError, TimeoutError, ValueError) as exc:
        print(f"microkube hollow-nodes: {exc}", file=sys.stderr)
        return 1
    return 0
