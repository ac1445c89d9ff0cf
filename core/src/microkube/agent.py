"""``microkube agent --server URL --token T``: join this host to a running control plane.

It writes ``<data-dir>/kubeconfig`` for the server and token (with the CA when given) and runs
the node components — the kubelet and kube-proxy — under the same supervisor as ``microkube
up``, one process each. (The full TLS bootstrap of ``kubeadm join`` is not done here: the token
is a bearer token the API server accepts.)
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
from pathlib import Path
from urllib.parse import urlparse

import attrs

from microkube.client.kubeconfig import make_kubeconfig, write_kubeconfig
from microkube.config import Config, ConfigError
from microkube.node_components import (
    KUBE_PROXY,
    KUBELET,
    NODE_COMPONENTS,
    missing_network_parts,
    with_cluster_dns,
    with_component_options,
    with_pod_network,
)
from microkube.plugins import SelectionError, load_plugins

__all__ = [
    "add_agent_arguments",
    "agent_config",
    "agent_kubeconfig",
    "agent_kubeconfig_path",
    "run_agent",
]


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, help="the API server's URL (https://IP:6443)")
    parser.add_argument("--token", required=True, help="a bearer token the API server accepts")
    parser.add_argument("--ca-file", type=Path, help="PEM file of the CA the server's cert is from")
    parser.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="do not verify the server's certificate (https without --ca-file)",
    )
    parser.add_argument("--node-name", help="this node's name (default: the host name)")
    parser.add_argument(
        "--node-ip", help="this node's address (the Node's InternalIP; the kubelet serves there)"
    )
    parser.add_argument("--runtime", help="the container runtime (default: the configuration's)")
    parser.add_argument(
        "--cluster-dns",
        help="the cluster DNS Service IP pods resolve through (default: 10.96.0.10)",
    )


def _check_arguments(args: argparse.Namespace) -> None:
    url = urlparse(args.server)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"--server {args.server!r} is not an http(s)://HOST[:PORT] URL")
    if url.scheme == "https" and not (args.ca_file or args.insecure_skip_tls_verify):
        raise ConfigError("--server is https: give --ca-file (or --insecure-skip-tls-verify)")
    if not args.token.strip():
        raise ConfigError("--token is empty")
    for flag in ("node_ip", "cluster_dns"):
        value = getattr(args, flag)
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                name = "--" + flag.replace("_", "-")
                raise ConfigError(f"{name} {value!r} is not an IP address") from None


def agent_kubeconfig(args: argparse.Namespace) -> dict:
    """The kubeconfig the node components use: the server, the token, the CA if given."""
    ca = None
    if args.ca_file is not None:
        try:
            ca = args.ca_file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"--ca-file {args.ca_file}: cannot read: {exc.strerror}") from None
    return make_kubeconfig(
        args.server,
        name="microkube-agent",
        token=args.token.strip(),
        ca_data=ca,
        insecure_skip_tls_verify=bool(args.insecure_skip_tls_verify and ca is None),
    )


def agent_kubeconfig_path(config: Config) -> Path:
    """Where the agent writes the kubeconfig its node components use."""
    return (Path(config.data_dir) / "kubeconfig").resolve()


def agent_config(config: Config, args: argparse.Namespace) -> Config:
    """The configuration the node components run with: the flags as their options."""
    if args.runtime:
        config = attrs.evolve(config, runtime=args.runtime)
    kubeconfig = str(agent_kubeconfig_path(config))
    config = with_component_options(
        config,
        KUBELET,
        node_name=args.node_name,
        node_ip=args.node_ip,
        address=args.node_ip,
        kubeconfig=kubeconfig,
    )
    config = with_component_options(
        config, KUBE_PROXY, node_name=args.node_name, kubeconfig=kubeconfig
    )
    return with_cluster_dns(config, args.cluster_dns)


def run_agent(args: argparse.Namespace) -> int:
    from microkube.runner import run_components
    from microkube.supervisor import supervise_components

    try:
        _check_arguments(args)
        config = agent_config(args.config, args)
        kubeconfig = agent_kubeconfig(args)
    except ConfigError as exc:
        print(f"microkube agent: {exc}", file=sys.stderr)
        return 2
    registry = load_plugins(None, allow=config.plugins.allow, block=config.plugins.block)
    for error in registry.errors:
        print(f"error: {error}", file=sys.stderr)
    config = with_pod_network(registry, config)
    installed = registry.registrations("microkube_components")
    if KUBELET not in installed:
        print(
            "microkube agent: the kubelet is not installed (pip install microkube-kubelet)",
            file=sys.stderr,
        )
        return 1
    names = [name for name in NODE_COMPONENTS if name in installed]
    for line in missing_network_parts(registry, config, NODE_COMPONENTS):
        print(f"microkube agent: {line}", file=sys.stderr)
    data_dir = Path(config.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    write_kubeconfig(agent_kubeconfig_path(config), kubeconfig)
    run = supervise_components if config.process_per_component else run_components
    try:
        asyncio.run(run(registry, config, data_dir, names=names))
    except (SelectionError, ConfigError) as exc:
        print(f"microkube agent: {exc}", file=sys.stderr)
        return 1
    return 0
