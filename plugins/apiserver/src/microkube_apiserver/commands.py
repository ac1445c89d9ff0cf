"""``microkube apiserver``: run the API server component alone, in the foreground.

``--data-dir`` (the global option) holds the state and the kubeconfig; ``--port`` overrides
``options.apiserver.port``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import attrs

from microkube.config import Config, ConfigError
from microkube.plugins import SelectionError, load_plugins

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="port to serve on (default 6443; 0 = any)")
    parser.add_argument("--bind-address", help="address to listen on (default 127.0.0.1)")


def _with_overrides(config: Config, args: argparse.Namespace) -> Config:
    section = dict(config.options.get("apiserver", {}))
    if args.port is not None:
        section["port"] = args.port
    if args.bind_address:
        section["bind-address"] = args.bind_address
    return attrs.evolve(config, options={**config.options, "apiserver": section})


def run(args: argparse.Namespace) -> int:
    from microkube.runner import run_components

    config = _with_overrides(args.config, args)
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"microkube apiserver: error: {error}", file=sys.stderr)
    try:
        asyncio.run(run_components(registry, config, Path(config.data_dir), names=["apiserver"]))
    except (SelectionError, ConfigError, OSError) as exc:
        print(f"microkube apiserver: {exc}", file=sys.stderr)
        return 1
    return 0
