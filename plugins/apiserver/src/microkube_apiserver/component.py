"""The API server component: storage + admission + HTTP, started and stopped by the runner.

On start it opens the configured storage backend, builds the admission chain, makes sure the
cluster PKI exists in ``<data-dir>/pki`` (minted on first start, reused after), builds the
authenticators and authorizers, makes sure the default namespaces and the ``kubernetes``
Service exist, listens (HTTPS unless ``tls: false``), writes every component's kubeconfig
(``<data-dir>/kubeconfigs/<name>.conf``) and then the admin ``<data-dir>/kubeconfig``, and
prints ``export KUBECONFIG=<path>`` on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.component import ComponentContext
from microkube.contracts.storage import Storage
from microkube_apiserver.admission.chain import AdmissionChain, build_chain
from microkube_apiserver.authn.security import (
    ServerSecurity,
    build_security,
    kubelet_node_names,
)
from microkube_apiserver.discovery import Catalogue, DiscoveryEndpoints
from microkube_apiserver.options import ApiServerOptions, parse_options
from microkube_apiserver.pki.kubeconfigs import write_kubeconfigs
from microkube_apiserver.registry.bootstrap import bootstrap
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.app import build_app
from microkube_apiserver.server.catalogue import served_catalogue
from microkube_apiserver.server.server import HttpServer

__all__ = ["ApiServer", "ApiServerComponent", "create_component"]

log = logging.getLogger("microkube_apiserver")


class ApiServer:
    """The server over a storage backend and an admission chain (usable without a registry,
    e.g. in tests: ``ApiServer(storage, ApiServerOptions(port=0))``). Without ``security``
    it serves plain HTTP and checks no one (the test kit's bare server)."""

    def __init__(
        self,
        storage: Storage,
        options: ApiServerOptions | None = None,
        admission: AdmissionChain | None = None,
        catalogue: Catalogue | None = None,
        security: ServerSecurity | None = None,
    ) -> None:
        self.options = options or ApiServerOptions()
        self.storage = storage
        self.security = security
        self.api = Api(
            storage=storage,
            catalogue=catalogue or served_catalogue(),
            admission=admission or AdmissionChain(),
            options=self.options,
            front_door=security.front_door if security else None,
            token_issuer=security.token_issuer if security else None,
        )
        self._http: HttpServer | None = None

    @property
    def port(self) -> int:
        return self._http.port if self._http is not None else self.options.port

    @property
    def url(self) -> str:
        host = self.options.bind_address
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        tls = self.security is not None and self.security.ssl_context is not None
        return f"{'https' if tls else 'http'}://{host}:{self.port}"

    async def start(self) -> None:
        """Start storage (if not started), admission, bootstrap objects, then listen."""
        await self.storage.start()
        self.api.admission.bind(self.api)
        if self.api.front_door is not None:
            self.api.front_door.bind(self.api)
        http = HttpServer(
            build_app(self.api, DiscoveryEndpoints(self.api.catalogue)),
            self.options.bind_address,
            self.options.port,
            self.security.ssl_context if self.security else None,
        )
        try:
            await http.start()
        except BaseException:
            await self.storage.close()
            raise
        self._http = http
        try:
            await bootstrap(self.api, http.port)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.stop()
            self._http = None
        await self.api.admission.close()
        if self.api.front_door is not None:
            await self.api.front_door.close()
        if self.api.audit is not None:
            await self.api.audit.close()
        await self.storage.close()


def build_auditor(
    registry: Any,
    options: ApiServerOptions,
    data_dir: Path,
    plugin_options: Mapping[str, Mapping[str, Any]],
) -> Any:
    """The auditor of the enabled audit backends (``audit-backends``, plus ``log`` when
    ``audit-log-path`` is set), or None when none is."""
    names = list(options.audit_backends)
    if options.audit_log_path and "log" not in names:
        names.insert(0, "log")
    if not names:
        return None
    from microkube_apiserver.audit.log import Auditor
    from microkube_apiserver.audit.policy import METADATA_FOR_ALL, load_policy

    backends = []
    for name in names:
        factory = registry.select("microkube_audit_backends", name, what="audit backend")
        section = dict(plugin_options.get(name, {}))
        if name == "log" and options.audit_log_path:
            section.setdefault("path", options.audit_log_path)
        backends.append(factory(FactoryContext(data_dir=data_dir, options=section)))
    policy_file = options.audit_policy_file
    return Auditor(load_policy(policy_file) if policy_file else METADATA_FOR_ALL, backends)


class ApiServerComponent:
    """``microkube_components`` entry: an :class:`ApiServer` built from the configuration."""

    name = "apiserver"

    def __init__(self, context: ComponentContext) -> None:
        self.context = context
        self.options = parse_options(context.options)
        self.server: ApiServer | None = None

    @property
    def kubeconfig_path(self) -> Path:
        return (Path(self.context.data_dir) / "kubeconfig").resolve()

    async def start(self) -> None:
        context = self.context
        config: Any = context.config
        registry = context.registry
        backend = registry.select("microkube_storage_backends", config.storage, what="storage")
        storage_options = config.options.get(config.storage, {})
        storage = backend(FactoryContext(data_dir=Path(context.data_dir), options=storage_options))
        if self.options.encryption_provider_config:
            from microkube_apiserver.encryption.config import load_encryption_config
            from microkube_apiserver.encryption.storage import EncryptingStorage

            encryption = load_encryption_config(self.options.encryption_provider_config)
            storage = EncryptingStorage(storage, encryption)
        data_dir = Path(context.data_dir)
        chain = build_chain(registry, self.options, data_dir, config.options)
        security = await asyncio.to_thread(
            build_security, registry, self.options, data_dir, config.options
        )
        self.server = ApiServer(storage, self.options, chain, security=security)
        self.server.api.audit = build_auditor(registry, self.options, data_dir, config.options)
        await self.server.start()
        await asyncio.to_thread(
            write_kubeconfigs,
            security.pki,
            data_dir,
            self.server.url,
            kubelet_node_names(config.options),
            self.kubeconfig_path,
            tls=self.options.tls,
        )
        log.info(
            "serving on %s (admission: %s; authorization: %s)",
            self.server.url,
            ", ".join(chain.names),
            ", ".join(self.options.authorization_modes),
        )
        print(f"export KUBECONFIG={self.kubeconfig_path}", flush=True)
        sys.stdout.flush()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None


def create_component(context: ComponentContext) -> ApiServerComponent:
    return ApiServerComponent(context)
