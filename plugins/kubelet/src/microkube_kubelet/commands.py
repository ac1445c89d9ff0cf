"""``microkube kubelet``: run the kubelet component alone, in the foreground.

``--data-dir`` (the global option) holds the kubeconfig it reads and, by default, its root
directory; the flags override ``options.kubelet``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import attrs

from microkube.config import Config, ConfigError
from microkube.plugins import SelectionError, load_plugins

__all__ = ["add_kubelet_arguments", "run_kubelet"]


def add_kubelet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node-name", help="the Node's name (default: the host name)")
    parser.add_argument("--kubeconfig", help="kubeconfig of the API server")
    parser.add_argument("--root-dir", help="pods' volumes and logs (default <data-dir>/kubelet)")
    parser.add_argument("--port", type=int, help="port of the kubelet's HTTPS server")
    parser.add_argument("--pod-manifest-path", help="directory of static pod manifests")
    parser.add_argument("--runtime", help="container runtime (default: the configuration's)")


def _with_overrides(config: Config, args: argparse.Namespace) -> Config:
    section = dict(config.options.get("kubelet", {}))
    for flag in ("node_name", "kubeconfig", "root_dir", "port", "pod_manifest_path", "runtime"):
        value = getattr(args, flag, None)
        if value is not None:
            section[flag.replace("_", "-")] = value
    return attrs.evolve(config, options={**config.options, "kubelet": section})


def run_kubelet(args: argparse.Namespace) -> int:
    from microkube.runner import run_components

    config = _with_overrides(args.config, args)
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"microkube kubelet: error: {error}", file=sys.stderr)
    try:
        asyncio.run(run_components(registry, config, Path(config.data_dir), names=["kubelet"]))
    except (SelectionError, ConfigError, OSError, TimeoutError) as exc:
        print(f"microkube kubelet: {exc}", file=sys.stderr)
        return 1
    return 0
