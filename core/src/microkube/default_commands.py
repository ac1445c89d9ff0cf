"""The kernel's built-in commands: ``plugins``, ``version``, ``up`` and ``agent``.

An ordinary plugin using the public ``microkube_commands`` hook; its implementation is
``trylast``, so an installed plugin offering a command of the same name replaces it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

import attrs

from microkube.config import SELECTIONS, Config, ConfigError
from microkube.contracts.command import Command
from microkube.hookspecs import hookimpl
from microkube.plugins import REGISTER_HOOKS, PluginRegistry, SelectionError, load_plugins


def registry_for_config(config: Config, groups: list[str] | None = None) -> PluginRegistry:
    """Load the plugins the configuration allows."""
    return load_plugins(groups, allow=config.plugins.allow, block=config.plugins.block)


def _report_errors(registry: PluginRegistry) -> None:
    for error in registry.errors:
        print(f"error: {error}", file=sys.stderr)


def plugin_listing(registry: PluginRegistry, config: Config) -> dict:
    """Everything ``microkube plugins`` shows, as data."""
    offered: dict[str, dict[str, str]] = {}
    by_module = {p.module: p.name for p in registry.plugins}
    for hook in REGISTER_HOOKS:
        table = registry.registrations(hook)
        if table:
            offered[hook] = {n: by_module.get(r.plugin, r.plugin) for n, r in table.items()}
    selected = {}
    for key, hook in SELECTIONS.items():
        name = getattr(config, key)
        if name is not None:
            installed = name in registry.registrations(hook)
            selected[key] = {"name": name, "installed": installed}
    return {
        "plugins": [
            {
                "name": p.name,
                "distribution": p.distribution,
                "version": p.version,
                "groups": list(p.groups),
                "hooks": list(p.hooks),
                "builtin": p.builtin,
            }
            for p in sorted(registry.plugins, key=lambda p: (p.builtin, p.name))
        ],
        "offers": offered,
        "selected": selected,
        "errors": [str(e) for e in registry.errors],
    }


def _print_listing(listing: dict) -> None:
    rows = [("PLUGIN", "DISTRIBUTION", "VERSION", "GROUPS", "HOOKS")]
    for p in listing["plugins"]:
        name = p["name"] + (" (built-in)" if p["builtin"] else "")
        rows.append(
            (name, p["distribution"], p["version"], ",".join(p["groups"]), ",".join(p["hooks"]))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])
    print()
    print("offered:")
    for hook, names in listing["offers"].items():
        items = ", ".join(f"{n} ({plugin})" for n, plugin in sorted(names.items()))
        print(f"  {hook.removeprefix('microkube_')}: {items}")
    print()
    print("selected by configuration:")
    for key, sel in listing["selected"].items():
        state = "" if sel["installed"] else "  (not installed)"
        print(f"  {key}: {sel['name']}{state}")


def _cmd_plugins(args: argparse.Namespace) -> int:
    registry = registry_for_config(args.config)
    listing = plugin_listing(registry, args.config)
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        _print_listing(listing)
    _report_errors(registry)
    return 1 if registry.errors else 0


def _plugins_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the listing as JSON")


def _cmd_version(args: argparse.Namespace) -> int:
    from importlib.metadata import version

    print(f"microkube {version('microkube')}")
    return 0


#: The component whose options ``up --port`` sets (the kernel names it, never imports it).
APISERVER = "apiserver"


def _up_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "components",
        nargs="*",
        help="components to run (default: every installed one the configuration enables)",
    )
    parser.add_argument(
        "--port",
        type=int,
        help="the API server's port (sets options.apiserver.port; default 6443, 0 = any free)",
    )
    parser.add_argument("--storage", help="the storage backend (sets storage; default sqlite)")
    parser.add_argument(
        "--runtime", help="the kubelet's container runtime (sets runtime; default process)"
    )
    parser.add_argument(
        "--etcd-endpoints",
        help="comma-separated etcd client URLs (sets options.etcd.endpoints)",
    )


def with_storage(config: Config, storage: str | None, etcd_endpoints: str | None) -> Config:
    """``config`` with ``up --storage`` / ``--etcd-endpoints`` applied (None = unchanged).
    The kernel only names the etcd plugin's option; the plugin validates it."""
    if storage is not None:
        config = attrs.evolve(config, storage=storage)
    if etcd_endpoints is not None:
        section = {**config.options.get("etcd", {}), "endpoints": etcd_endpoints}
        config = attrs.evolve(config, options={**config.options, "etcd": section})
    return config


def with_apiserver_port(config: Config, port: int | None) -> Config:
    """``config`` with ``options.apiserver.port`` set to ``port`` (unchanged when None)."""
    if port is None:
        return config
    section = {**config.options.get(APISERVER, {}), "port": port}
    return attrs.evolve(config, options={**config.options, APISERVER: section})


def _cmd_up(args: argparse.Namespace) -> int:
    from microkube.node_components import up_network
    from microkube.runner import run_components
    from microkube.supervisor import supervise_components

    config: Config = with_apiserver_port(args.config, args.port)
    config = with_storage(config, args.storage, args.etcd_endpoints)
    if args.runtime is not None:
        config = attrs.evolve(config, runtime=args.runtime)
    registry = registry_for_config(config)
    _report_errors(registry)
    config, missing = up_network(registry, config, args.components or None)
    for line in missing:
        print(f"microkube up: {line}", file=sys.stderr)
    run = supervise_components if config.process_per_component else run_components
    try:
        asyncio.run(run(registry, config, Path(config.data_dir), names=args.components or None))
    except (SelectionError, ConfigError) as exc:
        print(f"microkube up: {exc}", file=sys.stderr)
        return 1
    return 0


def _run_component_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("component", help="the installed component to run")
    parser.add_argument(
        "--ready-fd",
        type=int,
        help="write 'ready' on this inherited file descriptor once the component has started",
    )


def _cmd_run_component(args: argparse.Namespace) -> int:
    """One component in this process: what ``up`` starts for each component."""
    from microkube.runner import run_components
    from microkube.supervisor import READY

    config: Config = args.config
    registry = registry_for_config(config)
    _report_errors(registry)

    def started() -> None:
        if args.ready_fd is not None:
            os.write(args.ready_fd, READY)
            os.close(args.ready_fd)

    try:
        asyncio.run(
            run_components(
                registry, config, Path(config.data_dir), names=[args.component], on_started=started
            )
        )
    except (SelectionError, ConfigError) as exc:
        print(f"microkube {args.component}: {exc}", file=sys.stderr)
        return 1
    return 0


def _agent_arguments(parser: argparse.ArgumentParser) -> None:
    from microkube.agent import add_agent_arguments

    add_agent_arguments(parser)


def _cmd_agent(args: argparse.Namespace) -> int:
    from microkube.agent import run_agent

    return run_agent(args)


@hookimpl(trylast=True)
def microkube_commands() -> dict[str, Command]:
    from microkube.storage_commands import storage_commands

    return {
        **storage_commands(),
        "plugins": Command(
            help="list installed plugins, what they offer and what is selected",
            run=_cmd_plugins,
            add_arguments=_plugins_arguments,
        ),
        "version": Command(help="print microkube's version", run=_cmd_version),
        "up": Command(
            help="run the installed components until SIGINT/SIGTERM",
            run=_cmd_up,
            add_arguments=_up_arguments,
        ),
        "agent": Command(
            help="join this host to a running control plane as a node (kubelet, kube-proxy)",
            run=_cmd_agent,
            add_arguments=_agent_arguments,
        ),
        "run-component": Command(
            help="run one installed component in this process (what up starts per component)",
            run=_cmd_run_component,
            add_arguments=_run_component_arguments,
        ),
    }
