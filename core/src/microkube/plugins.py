"""Plugin loading: entry-point groups per concern, duplicate refusal, failure isolation.

A process loads only the entry-point groups it needs (``load_plugins(groups=[...])``). Each
entry point names a module holding hook implementations; it is imported, registered with a
fresh pluggy ``PluginManager`` and validated against the hook specs. Three failures are
reported in one line naming the distribution:

- two distributions offering the same plugin name in one group: :class:`PluginConflictError`,
  raised, because which one would run is unknowable;
- a plugin that raises at import, or implements a hook no spec declares (a misspelling):
  recorded in ``registry.errors`` and skipped, so the other plugins still load.

Register hooks are then collected into ``{name: factory}`` tables; a built-in default
(``trylast``) yields its name to an installed plugin offering the same one.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs
import pluggy

from microkube.hookspecs import PROJECT, spec_modules

#: Entry-point group per concern, and the register hook(s) plugins of that group implement.
GROUPS: Mapping[str, tuple[str, ...]] = {
    "microkube.storage": ("microkube_storage_backends",),
    "microkube.cri": ("microkube_container_runtimes",),
    "microkube.scheduling": ("microkube_scheduler_plugins",),
    "microkube.controllers": ("microkube_controllers",),
    "microkube.cni": ("microkube_cni_plugins",),
    "microkube.proxy": ("microkube_service_proxies",),
    "microkube.cloud": ("microkube_cloud_providers",),
    "microkube.admission": ("microkube_admission_plugins",),
    "microkube.auth": (
        "microkube_authenticators",
        "microkube_authorizers",
        "microkube_audit_backends",
    ),
    "microkube.components": ("microkube_components",),
    "microkube.commands": ("microkube_commands",),
}

#: Register hooks, in display order.
REGISTER_HOOKS: tuple[str, ...] = tuple(h for hooks in GROUPS.values() for h in hooks)

#: Comma-separated plugin names: when set, only these plugins load (like DATASETTE_LOAD_PLUGINS).
LOAD_PLUGINS_ENV = "MICROKUBE_LOAD_PLUGINS"

BUILTIN_DISTRIBUTION = "microkube"


class PluginConflictError(Exception):
    """Two plugins claim one name; the message names both distributions."""


class PluginLoadError(Exception):
    """Plugins given explicitly (``registry_for``) could not all be registered."""


class SelectionError(LookupError):
    """Configuration selects something no installed plugin provides."""


@attrs.frozen(kw_only=True)
class PluginInfo:
    """One loaded plugin, as ``microkube plugins`` lists it."""

    name: str
    groups: tuple[str, ...]
    module: str
    distribution: str
    version: str
    hooks: tuple[str, ...] = ()
    builtin: bool = False

    @property
    def label(self) -> str:
        return f"{self.distribution} {self.version}"


@attrs.frozen(kw_only=True)
class PluginError:
    """A plugin that could not be loaded; ``str()`` is the one-line report."""

    name: str
    group: str
    distribution: str
    version: str
    message: str

    def __str__(self) -> str:
        return (
            f"plugin {self.name!r} ({self.group}) from {self.distribution} {self.version}: "
            f"{self.message}"
        )


@attrs.frozen(kw_only=True)
class Registration:
    """A name offered by a register hook, with the plugin that offered it."""

    name: str
    factory: Any
    plugin: str
    overrides: tuple[str, ...] = ()


def new_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with every microkube hook spec and no plugins."""
    pm = pluggy.PluginManager(PROJECT)
    for module in spec_modules():
        pm.add_hookspecs(module)
    return pm


@attrs.define
class PluginRegistry:
    """The loaded plugins of one process and what their register hooks offer."""

    pm: pluggy.PluginManager
    plugins: list[PluginInfo] = attrs.field(factory=list)
    errors: list[PluginError] = attrs.field(factory=list)
    _tables: dict[str, dict[str, Registration]] = attrs.field(factory=dict, init=False)

    def plugin(self, name: str) -> PluginInfo | None:
        return next((p for p in self.plugins if p.name == name), None)

    def registrations(self, hook: str) -> dict[str, Registration]:
        """``{name: Registration}`` from every implementation of the register hook ``hook``.

        Implementations are called once, in pluggy's order (tryfirst … trylast), so the first
        plugin to offer a name keeps it; a later ``trylast`` (built-in) offer is recorded as
        overridden; two ordinary plugins offering one name is a :class:`PluginConflictError`.
        """
        if hook not in self._tables:
            self._tables[hook] = self._collect(hook)
        return self._tables[hook]

    def _collect(self, hook: str) -> dict[str, Registration]:
        if hook not in REGISTER_HOOKS:
            raise ValueError(f"{hook!r} is not a register hook; known: {', '.join(REGISTER_HOOKS)}")
        table: dict[str, Registration] = {}
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            offered = impl.function() or {}
            for name, factory in offered.items():
                existing = table.get(name)
                if existing is None:
                    table[name] = Registration(name=name, factory=factory, plugin=impl.plugin_name)
                elif impl.trylast:
                    table[name] = attrs.evolve(
                        existing, overrides=(*existing.overrides, impl.plugin_name)
                    )
                else:
                    raise PluginConflictError(
                        f"{hook}: name {name!r} is offered by both "
                        f"{self._describe(existing.plugin)} and {self._describe(impl.plugin_name)}"
                    )
        return table

    def _describe(self, plugin_name: str) -> str:
        info = next((p for p in self.plugins if p.module == plugin_name), None)
        return f"{info.name!r} ({info.label})" if info else repr(plugin_name)

    def select(self, hook: str, name: str, *, what: str | None = None) -> Any:
        """The factory registered under ``name`` by ``hook``, or a :class:`SelectionError`
        naming the installed choices (and the import error, if that plugin failed to load)."""
        table = self.registrations(hook)
        if name in table:
            return table[name].factory
        what = what or hook.removeprefix("microkube_").replace("_", " ")
        choices = ", ".join(sorted(table)) or "none"
        message = f"{what} {name!r} is not installed (installed: {choices})"
        failed = [e for e in self.errors if e.name == name]
        if failed:
            message += f"; {failed[0]}"
        raise SelectionError(message)


def _plugin_name_for(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def _register(
    registry: PluginRegistry,
    plugin: object,
    *,
    name: str,
    module: str,
    group: str,
    distribution: str,
    version: str,
    builtin: bool = False,
) -> None:
    """Register one plugin object, validating its hook implementations against the specs."""
    pm = registry.pm
    existing = pm.get_plugin(module)
    if existing is not None:
        # One module offered in several groups by one distribution: registered once.
        index = next(i for i, p in enumerate(registry.plugins) if p.module == module)
        info = registry.plugins[index]
        if group not in info.groups:
            registry.plugins[index] = attrs.evolve(info, groups=(*info.groups, group))
        return

    def fail(message: str) -> None:
        registry.errors.append(
            PluginError(
                name=name, group=group, distribution=distribution, version=version, message=message
            )
        )

    try:
        pm.register(plugin, name=module)
    except pluggy.PluginValidationError as exc:
        fail(f"invalid hook implementation: {_first_line(exc)}")
        return
    callers = pm.get_hookcallers(plugin) or []
    unknown = sorted(
        c.name
        for c in callers
        if not c.has_spec()
        and any(i.plugin is plugin and not i.optionalhook for i in c.get_hookimpls())
    )
    if unknown:
        pm.unregister(plugin)
        fail(
            "hook implementation "
            + ", ".join(repr(n) for n in unknown)
            + " matches no microkube hook specification (misspelled?)"
        )
        return
    registry.plugins.append(
        PluginInfo(
            name=name,
            groups=(group,),
            module=module,
            distribution=distribution,
            version=version,
            hooks=tuple(sorted(c.name for c in callers)),
            builtin=builtin,
        )
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _allowed(
    name: str, distribution: str, allow: Iterable[str] | None, block: Iterable[str]
) -> bool:
    block = set(block)
    if name in block or distribution in block:
        return False
    if allow is None:
        return True
    allow = set(allow)
    return name in allow or distribution in allow


def _env_allow() -> list[str] | None:
    value = os.environ.get(LOAD_PLUGINS_ENV)
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _entry_points(groups: Iterable[str]) -> list[tuple[str, EntryPoint]]:
    found = []
    for group in groups:
        if group not in GROUPS:
            raise ValueError(f"unknown entry-point group {group!r}; known: {', '.join(GROUPS)}")
        found.extend((group, ep) for ep in entry_points(group=group))
    return found


def _check_duplicates(found: list[tuple[str, EntryPoint]]) -> None:
    seen: dict[tuple[str, str], EntryPoint] = {}
    for group, ep in found:
        other = seen.get((group, ep.name))
        if other is None:
            seen[(group, ep.name)] = ep
            continue
        if other.value == ep.value and _dist(other) == _dist(ep):
            continue  # the same distribution seen twice on sys.path
        a, b = sorted([_dist_label(other), _dist_label(ep)])
        raise PluginConflictError(
            f"plugin name {ep.name!r} in {group} is provided by both {a} and {b}; "
            "uninstall one of them"
        )


def _dist(ep: EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return ("unknown", "?")
    return (dist.metadata["Name"] or "unknown", dist.version or "?")


def _dist_label(ep: EntryPoint) -> str:
    name, version = _dist(ep)
    return f"{name} {version}"


def load_plugins(
    groups: Iterable[str] | None = None,
    *,
    allow: Iterable[str] | None = None,
    block: Iterable[str] = (),
    builtins: bool = True,
) -> PluginRegistry:
    """Load the installed plugins of ``groups`` (all groups when None).

    ``allow`` (None = everything) and ``block`` filter by plugin or distribution name before
    anything is imported; the ``MICROKUBE_LOAD_PLUGINS`` environment variable, when set,
    narrows ``allow`` further. Built-in defaults register ``trylast``.
    """
    registry = PluginRegistry(new_plugin_manager())
    if builtins:
        _register_builtins(registry)
    env_allow = _env_allow()
    if env_allow is not None:
        allow = env_allow if allow is None else [n for n in allow if n in env_allow]
    found = _entry_points(GROUPS if groups is None else list(groups))
    _check_duplicates(found)
    for group, ep in found:
        distribution, version = _dist(ep)
        if not _allowed(ep.name, distribution, allow, block):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            registry.errors.append(
                PluginError(
                    name=ep.name,
                    group=group,
                    distribution=distribution,
                    version=version,
                    message=f"failed to import {ep.value}: {type(exc).__name__}: {exc}",
                )
            )
            continue
        _register(
            registry,
            plugin,
            name=ep.name,
            module=ep.value,
            group=group,
            distribution=distribution,
            version=version,
        )
    registry.pm.check_pending()
    return registry


#: Built-in plugins of the kernel: (name, group, module path). They use the public hooks like
#: any third-party plugin and mark their implementations ``trylast`` so installed plugins win.
BUILTINS: tuple[tuple[str, str, str], ...] = (
    ("default-commands", "microkube.commands", "microkube.default_commands"),
)


def _register_builtins(registry: PluginRegistry) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        core_version = version(BUILTIN_DISTRIBUTION)
    except PackageNotFoundError:
        core_version = "?"
    for name, group, module in BUILTINS:
        _register(
            registry,
            importlib.import_module(module),
            name=name,
            module=module,
            group=group,
            distribution=BUILTIN_DISTRIBUTION,
            version=core_version,
            builtin=True,
        )


def registry_for(*plugins: object | tuple[str, object], builtins: bool = False) -> PluginRegistry:
    """A registry of exactly ``plugins`` (objects or modules, or ``(name, plugin)`` pairs),
    with no entry points loaded: what a plugin author's test needs."""
    registry = PluginRegistry(new_plugin_manager())
    if builtins:
        _register_builtins(registry)
    for item in plugins:
        name, plugin = item if isinstance(item, tuple) else (_plugin_name_for(item), item)
        _register(
            registry,
            plugin,
            name=name,
            module=name,
            group="(test)",
            distribution="(test)",
            version="-",
        )
    if registry.errors:
        raise PluginLoadError("; ".join(str(e) for e in registry.errors))
    registry.pm.check_pending()
    return registry
