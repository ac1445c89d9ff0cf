"""``microkube scheduler`` (run the scheduler component alone, in the foreground) and
``microkube explain-scheduling <pod>``.

Both read the scheduler's configuration from the microkube configuration's
``options.scheduler`` section (a KubeSchedulerConfiguration, or ``config: <file>``);
``--scheduler-config FILE`` overrides it with a KubeSchedulerConfiguration file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import attrs

from microkube.config import Config, ConfigError
from microkube.plugins import SelectionError, load_plugins
from microkube_scheduler.args import ConfigurationError

__all__ = ["add_explain_arguments", "add_scheduler_arguments", "run_explain", "run_scheduler"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler-config",
        metavar="FILE",
        help="a KubeSchedulerConfiguration file (YAML or JSON), as kube-scheduler's --config",
    )
    parser.add_argument("--kubeconfig", help="kubeconfig (default <data-dir>/kubeconfig)")


def add_scheduler_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def add_explain_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pod", help="the pod's name")
    parser.add_argument("-n", "--namespace", default="default", help="the pod's namespace")
    parser.add_argument(
        "-o", "--output", choices=("text", "json"), default="text", help="output format"
    )
    _common(parser)


def _options(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    section = dict(config.options.get("scheduler", {}))
    if args.scheduler_config:
        section = {k: v for k, v in section.items() if k == "kubeconfig"}
        section["config"] = args.scheduler_config
    if args.kubeconfig:
        section["kubeconfig"] = args.kubeconfig
    return section


def run_scheduler(args: argparse.Namespace) -> int:
    from microkube.runner import run_components

    section = _options(args.config, args)
    config = attrs.evolve(args.config, options={**args.config.options, "scheduler": section})
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"microkube scheduler: error: {error}", file=sys.stderr)
    try:
        asyncio.run(run_components(registry, config, Path(config.data_dir), names=["scheduler"]))
    except (SelectionError, ConfigError, ConfigurationError, OSError, TimeoutError) as exc:
        print(f"microkube scheduler: {exc}", file=sys.stderr)
        return 1
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from microkube_scheduler.component import plugin_factories
    from microkube_scheduler.config import load_configuration
    from microkube_scheduler.explain import ExplainError, render

    config: Config = args.config
    try:
        options = _options(config, args)
        configuration = load_configuration(options)
        registry = load_plugins(
            ["microkube.scheduling"], allow=config.plugins.allow, block=config.plugins.block
        )
        factories = plugin_factories(registry, config)
        explanation = asyncio.run(
            _explain(config, options, args.pod, args.namespace, configuration, factories)
        )
    except (ConfigurationError, ExplainError, OSError, TimeoutError) as exc:
        print(f"microkube explain-scheduling: {exc}", file=sys.stderr)
        return 1
    if args.output == "json":
        print(json.dumps(explanation, indent=2))
    else:
        print(render(explanation))
    return 0


async def _explain(
    config: Config,
    options: dict[str, Any],
    pod: str,
    namespace: str,
    configuration: Any,
    factories: Any,
) -> dict[str, Any]:
    from microkube.client.connect import connect
    from microkube_scheduler.explain import explain_pod

    api = await connect(Path(config.data_dir), options, within=10)
    try:
        return await explain_pod(api, pod, namespace, configuration, factories)
    finally:
        await api.close()
