"""``microkube <command>``: a dispatcher whose commands come from plugins.

Commands are collected from the ``microkube.commands`` entry-point group (plus the built-in
``default_commands``); each gets the parsed arguments with ``args.config`` (the validated
:class:`~microkube.config.Config`) set. Errors a user can fix print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from microkube.config import ConfigError, load_config
from microkube.plugins import PluginConflictError, load_plugins

CONFIG_ENV = "MICROKUBE_CONFIG"


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """Options accepted before or after the command name (``microkube up --data-dir X``)."""
    env_config = os.environ.get(CONFIG_ENV) or None
    parser.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS if suppress else env_config,
        help=f"configuration file, JSON or YAML (env {CONFIG_ENV})",
    )
    parser.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS if suppress else None,
        help="cluster state directory (default .microkube)",
    )


def _parser(*, add_help: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microkube",
        description="microkube: the Kubernetes architecture as a pluggable microkernel",
        add_help=add_help,
    )
    _common_options(parser)
    return parser


def _broken(problem: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return 1  # the problem was printed while the commands were being set up

    return run


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known, _ = _parser(add_help=False).parse_known_args(argv)
    try:
        config = load_config(known.config, {"data-dir": known.data_dir})
        registry = load_plugins(
            ["microkube.commands"], allow=config.plugins.allow, block=config.plugins.block
        )
        commands = registry.registrations("microkube_commands")
    except (ConfigError, PluginConflictError) as exc:
        print(f"microkube: error: {exc}", file=sys.stderr)
        return 2
    for error in registry.errors:
        print(f"microkube: error: {error}", file=sys.stderr)

    parser = _parser(add_help=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in sorted(commands):
        command = commands[name].factory
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        _common_options(sub, suppress=True)
        try:
            command.add_arguments(sub)
        except Exception as exc:  # one broken plugin must not take every command down
            problem = f"command {name!r} (plugin {commands[name].plugin}) is broken: {exc!r}"
            print(f"microkube: error: {problem}", file=sys.stderr)
            sub.set_defaults(run=_broken(problem))
            continue
        sub.set_defaults(run=command.run)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    args.config = config
    try:
        return int(args.run(args) or 0)
    except PluginConflictError as exc:
        print(f"microkube: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
