"""``microkube controller-manager``: run the controller manager alone, in the foreground.

It works for the API server of ``--data-dir`` (``<data-dir>/kubeconfig``) unless
``--kubeconfig`` names another; flags override the ``options.controller-manager`` section.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import attrs

from microkube.config import Config, ConfigError
from microkube.plugins import SelectionError, load_plugins

__all__ = ["add_arguments", "run"]

_FLAGS = {
    "kubeconfig": "kubeconfig",
    "controllers": "controllers",
    "workers": "workers",
    "leader_elect": "leader-elect",
    "leader_elect_lease_duration": "leader-elect-lease-duration",
    "leader_elect_renew_deadline": "leader-elect-renew-deadline",
    "leader_elect_retry_period": "leader-elect-retry-period",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kubeconfig", help="kubeconfig of the API server")
    parser.add_argument(
        "--controllers",
        help="controllers to run: '*' = all on by default, 'name' enables, '-name' disables "
        "(e.g. '*,-job')",
    )
    parser.add_argument("--workers", type=int, help="concurrent syncs per controller (5)")
    parser.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="take part in leader election; only the leader runs controllers (default on)",
    )
    parser.add_argument("--leader-elect-lease-duration", type=float, metavar="SECONDS")
    parser.add_argument("--leader-elect-renew-deadline", type=float, metavar="SECONDS")
    parser.add_argument("--leader-elect-retry-period", type=float, metavar="SECONDS")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")


def _with_overrides(config: Config, args: argparse.Namespace) -> Config:
    section = dict(config.options.get("controller-manager", {}))
    for attribute, key in _FLAGS.items():
        value = getattr(args, attribute, None)
        if value is not None:
            section[key] = value
    return attrs.evolve(config, options={**config.options, "controller-manager": section})


def run(args: argparse.Namespace) -> int:
    from microkube.runner import run_components

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = _with_overrides(args.config, args)
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"microkube controller-manager: error: {error}", file=sys.stderr)
    try:
        asyncio.run(
            run_components(registry, config, Path(config.data_dir), names=["controller-manager"])
        )
    except (SelectionError, ConfigError, OSError, TimeoutError) as exc:
        print(f"microkube controller-manager: {exc}", file=sys.stderr)
        return 1
    return 0
