"""The admission chain: every enabled plugin's ``admit`` (mutating) first, then every
``validate``, on each write; built from the ``microkube_admission_plugins`` registrations.

Built-in plugins that need the server's store or options (the namespace lifecycle, the
ClusterIP and NodePort allocators) implement ``bind_host(host)``, called once when the chain
is built, as Kubernetes' admission plugin initializers hand plugins a client. A plugin that
reserved something in ``admit`` (an IP) may implement ``release(request)``: the server calls it
when the write did not happen after all (a later plugin denied it, the store refused it). One
that holds something for a stored object may implement ``committed(request)``: called after an
update or a deletion was stored (a DELETE request carries the removed object as
``old_object``), so it can let go of what the old object held and the new one does not. One
that started something in ``bind_host`` (a watch) implements ``close()``, called when the
server stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from microkube.contracts import FactoryContext
from microkube.contracts.admission import (
    AdmissionPlugin,
    AdmissionRequest,
    MutatingAdmission,
    ValidatingAdmission,
)
from microkube.contracts.storage import Storage
from microkube_apiserver.options import ApiServerOptions

__all__ = ["AdmissionChain", "AdmissionHost", "build_chain"]

log = logging.getLogger(__name__)
HOOK = "microkube_admission_plugins"


class AdmissionHost(Protocol):
    """What ``bind_host`` gives a built-in plugin."""

    @property
    def storage(self) -> Storage: ...

    @property
    def options(self) -> ApiServerOptions: ...


class AdmissionChain:
    """Runs the plugins in order; ``names`` lists them for logs and tests.

    Which plugins mutate and which validate is settled once here: the contracts are
    runtime-checkable Protocols, and ``isinstance`` against one costs more than most plugins'
    ``handles`` (it was a tenth of a create's time when run per request).
    """

    def __init__(self, plugins: Sequence[AdmissionPlugin] = ()) -> None:
        self._plugins = tuple(plugins)
        self._mutating = tuple(p for p in self._plugins if isinstance(p, MutatingAdmission))
        self._validating = tuple(p for p in self._plugins if isinstance(p, ValidatingAdmission))

    @property
    def plugins(self) -> tuple[AdmissionPlugin, ...]:
        return self._plugins

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.plugins]

    def bind(self, host: AdmissionHost) -> None:
        for plugin in self.plugins:
            bind = getattr(plugin, "bind_host", None)
            if callable(bind):
                bind(host)

    async def run(self, request: AdmissionRequest) -> None:
        """Mutate, then validate; raises AdmissionDenied from the first plugin to deny.

        On a denial, plugins that already admitted the request release what they reserved.
        """
        admitted: list[AdmissionPlugin] = []
        try:
            for mutating in self._mutating:
                if mutating.handles(request):
                    admitted.append(mutating)  # a plugin failing half-way releases too
                    await mutating.admit(request)
            for validating in self._validating:
                if validating.handles(request):
                    await validating.validate(request)
        except BaseException:
            await self._release(admitted, request)
            raise

    async def release(self, request: AdmissionRequest) -> None:
        """The admitted write did not happen: let plugins undo their reservations."""
        await self._release(self.plugins, request)

    async def committed(self, request: AdmissionRequest) -> None:
        """An update or deletion was stored."""
        for plugin in self.plugins:
            committed = getattr(plugin, "committed", None)
            if callable(committed):
                try:
                    await committed(request)
                except Exception:
                    log.exception("admission plugin %s failed after a commit", plugin.name)

    async def close(self) -> None:
        """The server stops: plugins that run something of their own (``close()``) stop it."""
        for plugin in self._plugins:
            close = getattr(plugin, "close", None)
            if callable(close):
                try:
                    await close()
                except Exception:
                    log.exception("admission plugin %s failed to close", plugin.name)

    @staticmethod
    async def _release(plugins: Iterable[AdmissionPlugin], request: AdmissionRequest) -> None:
        for plugin in plugins:
            release = getattr(plugin, "release", None)
            if callable(release):
                try:
                    await release(request)
                except Exception:
                    log.exception("admission plugin %s failed to release", plugin.name)


def build_chain(
    registry: Any,
    options: ApiServerOptions,
    data_dir: Path,
    plugin_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> AdmissionChain:
    """The enabled admission plugins, in registration order (installed plugins before the
    ``trylast`` built-ins) or in the order ``admission-plugins`` names them."""
    table = registry.registrations(HOOK)
    names = (
        list(options.admission_plugins) if options.admission_plugins is not None else list(table)
    )
    plugins = []
    for name in names:
        if name in options.disable_admission_plugins:
            continue
        factory = registry.select(HOOK, name, what="admission plugin")
        context = FactoryContext(data_dir=data_dir, options=(plugin_options or {}).get(name, {}))
        plugins.append(factory(context))
    return AdmissionChain(plugins)
