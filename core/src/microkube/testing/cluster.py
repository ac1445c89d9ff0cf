"""An in-process cluster of the installed components, for tests (envtest's idea, with more).

``LocalCluster`` starts the components it is given *by name*, through the same entry points
``microkube up`` uses — so a test of the scheduler runs the real API server without importing
it — each in this process and event loop, in their start order, and stops them in reverse.
The API server listens on an ephemeral loopback port and writes ``<data-dir>/kubeconfig``
(the admin's), which :meth:`LocalCluster.client` and :meth:`LocalCluster.kubectl` use, and a
kubeconfig per component identity, which the components find by name.

As ``microkube up``, it serves HTTPS with the cluster PKI minted into the data directory, and
every client authenticates (the admin by its client certificate) and is authorized by the
server's default authorizers; ``tls=False`` runs plain HTTP with anonymous access and the
``always-allow`` authorizer instead. :meth:`LocalCluster.ssl_context` is the admin's TLS
context for a raw HTTP client.

Storage defaults to ``memory`` (fast, nothing on disk); pass ``storage="sqlite"`` for the
embedded default. A component can be stopped and started again (an outage), one at a time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from microkube.client.api import ApiClient
from microkube.client.connect import kubeconfig_path
from microkube.client.kubeconfig import load_kubeconfig
from microkube.config import Config
from microkube.contracts.component import Component, ComponentContext, ComponentSpec
from microkube.plugins import PluginRegistry, load_plugins
from microkube.runner import choose_components

__all__ = ["KUBECTL", "LocalCluster"]

#: The real kubectl (a dispatcher choosing the binary for the server's minor version).
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


class LocalCluster:
    """Components of one cluster running in this event loop (use ``async with``)."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        components: Sequence[str] = ("apiserver",),
        *,
        storage: str = "memory",
        options: Mapping[str, Mapping[str, Any]] | None = None,
        config: Config | None = None,
        registry: PluginRegistry | None = None,
        tls: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        options = {name: dict(values) for name, values in (options or {}).items()}
        options.setdefault("apiserver", {}).setdefault("port", 0)
        options["apiserver"].setdefault("bind-address", "127.0.0.1")
        options["apiserver"].setdefault("tls", tls)
        if not tls:  # no credentials over plain HTTP: everyone is anonymous, and allowed
            options["apiserver"].setdefault("authorization-modes", ["always-allow"])
        base = config or Config()
        self.config = attrs.evolve(
            base,
            data_dir=str(self.data_dir),
            storage=storage if config is None else base.storage,
            components=tuple(components),
            options={**base.options, **options},
        )
        self.registry = registry or load_plugins(
            None, allow=self.config.plugins.allow, block=self.config.plugins.block
        )
        self._specs: dict[str, ComponentSpec] = dict(
            choose_components(self.registry, self.config, list(components))
        )
        self.components: dict[str, Component] = {}
        self._clients: list[ApiClient] = []

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> LocalCluster:
        """Start every component in order; on a failure, stop those started and re-raise."""
        await asyncio.to_thread(self.data_dir.mkdir, parents=True, exist_ok=True)
        try:
            for name in self._specs:
                await self.start_component(name)
        except BaseException:
            await self.stop()
            raise
        return self

    async def stop(self) -> None:
        """Close the clients handed out, then stop the components in reverse order."""
        for client in self._clients:
            await client.close()
        self._clients.clear()
        for name in reversed(list(self.components)):
            await self.stop_component(name)

    async def start_component(self, name: str) -> Component:
        """Start (or restart) one component by name."""
        if name in self.components:
            raise RuntimeError(f"component {name!r} is already running")
        spec = self._specs[name]
        context = ComponentContext(
            name=name,
            data_dir=self.data_dir,
            config=self.config,
            registry=self.registry,
            options=self.config.options.get(name, {}),
        )
        component = spec.factory(context)
        await component.start()
        self.components[name] = component
        return component

    async def stop_component(self, name: str) -> None:
        component = self.components.pop(name, None)
        if component is not None:
            await component.stop()

    async def __aenter__(self) -> LocalCluster:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- using it ------------------------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return kubeconfig_path(self.data_dir, {})

    def client(self, **options: Any) -> ApiClient:
        """A new :class:`ApiClient` for this cluster, closed when the cluster stops."""
        client = ApiClient.from_kubeconfig(self.kubeconfig, **options)
        self._clients.append(client)
        return client

    def ssl_context(self) -> ssl.SSLContext | None:
        """The admin's client TLS context (CA and client certificate) for a raw HTTP client;
        None when the cluster serves plain HTTP."""
        return load_kubeconfig(self.kubeconfig).ssl_context()

    def kubectl_env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    async def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, seconds: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """Run the real kubectl against this cluster (in a thread, so the cluster keeps
        serving); with ``check``, a non-zero exit raises with kubectl's stderr."""

        def run() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [KUBECTL, *args],
                input=input,
                capture_output=True,
                text=True,
                env=self.kubectl_env(),
                timeout=seconds,
            )

        result = await asyncio.to_thread(run)
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result
