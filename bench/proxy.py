"""Service proxy backends: programming time, and throughput through the userspace proxy
(DESIGN.md §6 figures, one JSON object per line).

Every backend asked for (``--backend nftables|iptables|userspace|all``) is built through its
installed plugin's factory (entry point group ``microkube.proxy``), exactly as kube-proxy
builds it, and programs a network namespace this bench creates (the backends' ``netns``
option), so the host's rules are never touched. Per backend (figure prefix ``nft``,
``iptables``, ``userspace``):

- ``<prefix>_full_sync_ms``: one ``sync`` of ``--services`` Services x ``--endpoints``
  endpoints into an empty table (median of ``--repeats``; issue 9's goal for nftables:
  ``nft_full_sync_ms`` <= 2,000);
- ``<prefix>_one_change_ms``: one ``update`` replacing one endpoint of one Service, with the
  whole state programmed (median of ``--changes``; goal: ``nft_one_change_ms`` <= 50).

With the userspace backend also ``userspace_requests_per_s`` and ``direct_requests_per_s``:
request/response exchanges per second on fresh TCP connections (``--concurrency`` clients)
through a ClusterIP served by the userspace proxy, and straight to the endpoint, and their
ratio ``userspace_vs_direct_ratio``. Progress goes to stderr; the figures are the last lines
on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceProxy,
    ServiceState,
)
from microkube.plugins import load_plugins
from microkube.testing.netns import NetNamespace

BACKENDS = ("nftables", "iptables", "userspace")
PREFIX = {"nftables": "nft", "iptables": "iptables", "userspace": "userspace"}
NODE = "bench-node"
NODE_IP = "192.168.77.1"
#: Where the request/s measurement's echo server listens (an endpoint on loopback).
ECHO_IP, ECHO_PORT = "10.250.0.1", 8080
ECHO_SERVICE_IP = "10.96.0.10"


def _log(message: str) -> None:
    print(f"[proxy bench] {message}", file=sys.stderr, flush=True)


def cluster_ip(i: int) -> str:
    """Distinct IPs in 10.96.0.0/12 (10.96.0.0 .. 10.111.255.255)."""
    i += 20  # leave the low addresses (ECHO_SERVICE_IP) alone
    return f"10.{96 + i // 65536}.{i // 256 % 256}.{i % 256}"


def pod_ip(i: int) -> str:
    """Distinct IPs in 10.128.0.0/9."""
    return f"10.{128 + i // 65536}.{i // 256 % 256}.{i % 256}"


def service(i: int, endpoints: int, first_pod: int | None = None) -> ServiceState:
    first = i * endpoints if first_pod is None else first_pod
    return ServiceState(
        info=ServicePortInfo(cluster_ips=(cluster_ip(i),), port=80),
        endpoints=tuple(
            Endpoint(ip=pod_ip(first + k), port=8080, node_name=NODE) for k in range(endpoints)
        ),
    )


def desired_state(services: int, endpoints: int) -> ProxyState:
    return ProxyState(
        node_name=NODE,
        node_ips=(NODE_IP,),
        services={
            ServicePortName("bench", f"svc-{i}"): service(i, endpoints) for i in range(services)
        },
    )


def build(name: str, netns: NetNamespace, data_dir: Path) -> ServiceProxy:
    registry = load_plugins(["microkube.proxy"])
    factory = registry.select("microkube_service_proxies", name, what="service proxy backend")
    return factory(FactoryContext(data_dir=data_dir, options={"netns": netns.path}, node_name=NODE))


async def _timed(call: Awaitable[Any]) -> float:
    start = time.perf_counter()
    await call
    return (time.perf_counter() - start) * 1000


async def programming(
    name: str, netns: NetNamespace, data_dir: Path, args: argparse.Namespace
) -> dict[str, float]:
    state = desired_state(args.services, args.endpoints)
    full: list[float] = []
    changes: list[float] = []
    for run in range(args.repeats):
        proxy = build(name, netns, data_dir)
        await proxy.start()
        try:
            full.append(await _timed(proxy.sync(state)))
            _log(f"{name}: full sync {run + 1}/{args.repeats}: {full[-1]:.0f} ms")
            if run == args.repeats - 1:
                spare = args.services * args.endpoints
                for c in range(args.changes):
                    i = (c * 7919) % args.services
                    name_i = ServicePortName("bench", f"svc-{i}")
                    changed = service(i, args.endpoints)
                    moved = Endpoint(ip=pod_ip(spare + c), port=8080, node_name=NODE)
                    changed = ServiceState(
                        info=changed.info, endpoints=(*changed.endpoints[1:], moved)
                    )
                    changes.append(await _timed(proxy.update({name_i: changed})))
                _log(f"{name}: one change p50 {statistics.median(changes):.1f} ms")
        finally:
            await proxy.close()
    return {
        "full_sync_ms": statistics.median(full),
        "one_change_ms": statistics.median(changes),
    }


# -- requests/s through the userspace proxy ----------------------------------------------
# The echo server and the clients are processes of their own inside the namespace (as pods
# would be), so only the proxy runs in this process's event loop.

ECHO_SERVER = """
import asyncio, sys
async def echo(reader, writer):
    writer.write(await reader.read(256))
    await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_server(echo, sys.argv[1], int(sys.argv[2]), backlog=1024)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""

CLIENTS = """
import asyncio, sys, time
address = sys.argv[1]
port, requests, concurrency = (int(arg) for arg in sys.argv[2:5])
payload, remaining, failures = b"x" * 64, requests, 0
async def client():
    global remaining, failures
    while remaining > 0:
        remaining -= 1
        try:
            reader, writer = await asyncio.open_connection(address, port)
            writer.write(payload)
            await writer.drain()
            if await reader.read(256) != payload:
                failures += 1
            writer.close()
            await writer.wait_closed()
        except OSError:
            failures += 1
async def main():
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    print(requests / (time.perf_counter() - start), failures)
asyncio.run(main())
"""


def _clients(netns: NetNamespace, address: str, port: int, args: argparse.Namespace) -> float:
    """Requests/s: each request is connect, send 64 bytes, read the echo, close."""
    argv = [str(address), str(port), str(args.requests), str(args.concurrency)]
    result = netns.run(sys.executable, "-c", CLIENTS, *argv)
    rate, failures = result.stdout.split()
    if int(failures) > args.requests // 100:
        raise RuntimeError(f"{failures} of {args.requests} requests to {address}:{port} failed")
    return float(rate)


async def throughput(
    netns: NetNamespace, data_dir: Path, args: argparse.Namespace
) -> dict[str, float]:
    netns.run("ip", "addr", "add", f"{ECHO_IP}/32", "dev", "lo")
    server = netns.popen(
        sys.executable, "-c", ECHO_SERVER, ECHO_IP, str(ECHO_PORT), stdout=subprocess.PIPE
    )
    proxy = build("userspace", netns, data_dir)
    try:
        assert server.stdout is not None
        if await asyncio.to_thread(server.stdout.readline) != b"ready\n":
            raise RuntimeError("the echo server did not start")
        await proxy.start()
        state = ProxyState(
            node_name=NODE,
            node_ips=(NODE_IP,),
            services={
                ServicePortName("bench", "echo"): ServiceState(
                    info=ServicePortInfo(cluster_ips=(ECHO_SERVICE_IP,), port=80),
                    endpoints=(Endpoint(ip=ECHO_IP, port=ECHO_PORT, node_name=NODE),),
                )
            },
        )
        await proxy.sync(state)
        direct = await asyncio.to_thread(_clients, netns, ECHO_IP, ECHO_PORT, args)
        _log(f"direct: {direct:.0f} requests/s")
        proxied = await asyncio.to_thread(_clients, netns, ECHO_SERVICE_IP, 80, args)
        _log(f"through the userspace proxy: {proxied:.0f} requests/s")
    finally:
        await proxy.close()
        server.kill()
        server.wait()
    return {"requests_per_s": proxied, "direct_requests_per_s": direct}


# -- main ----------------------------------------------------------------------------------


def _figure(name: str, value: float, unit: str, conditions: dict[str, Any]) -> dict[str, Any]:
    """One figure; ``load_avg_1m`` says how busy the machine was (other work skews these)."""
    return {
        "bench": "proxy",
        "figure": name,
        "value": round(value, 3),
        "unit": unit,
        "conditions": {**conditions, "load_avg_1m": round(os.getloadavg()[0], 2)},
    }


async def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    names = BACKENDS if args.backend == "all" else (args.backend,)
    installed = load_plugins(["microkube.proxy"]).registrations("microkube_service_proxies")
    figures: list[dict[str, Any]] = []
    with NetNamespace() as netns, tempfile.TemporaryDirectory() as tmp:
        netns.run("ip", "addr", "add", f"{NODE_IP}/32", "dev", "lo")
        netns.run("ip", "route", "add", "10.96.0.0/12", "dev", "lo")
        for name in names:
            if name not in installed:
                _log(f"{name}: not installed, skipped")
                continue
            conditions = {
                "backend": name,
                "services": args.services,
                "endpoints_per_service": args.endpoints,
            }
            result = await programming(name, netns, Path(tmp), args)
            prefix = PREFIX[name]
            figures.append(
                _figure(f"{prefix}_full_sync_ms", result["full_sync_ms"], "ms", conditions)
            )
            figures.append(
                _figure(f"{prefix}_one_change_ms", result["one_change_ms"], "ms", conditions)
            )
            if name == "userspace":
                conditions = {
                    "requests": args.requests,
                    "concurrency": args.concurrency,
                    "payload_bytes": 64,
                    "connection_per_request": True,
                }
                rates = await throughput(netns, Path(tmp), args)
                figures.append(
                    _figure(
                        "userspace_requests_per_s", rates["requests_per_s"], "req/s", conditions
                    )
                )
                figures.append(
                    _figure(
                        "direct_requests_per_s",
                        rates["direct_requests_per_s"],
                        "req/s",
                        conditions,
                    )
                )
                ratio = rates["requests_per_s"] / rates["direct_requests_per_s"]
                figures.append(_figure("userspace_vs_direct_ratio", ratio, "ratio", conditions))
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "all"), default="all")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="full syncs to take the median of")
    parser.add_argument("--changes", type=int, default=20, help="one-endpoint updates timed")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    for key in ("services", "endpoints", "repeats", "changes", "requests", "concurrency"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be >= 1")
    if args.services > 1_000_000 or args.services * args.endpoints > 4_000_000:
        parser.error("--services/--endpoints too large for the address plan (10.96/12, 10.128/9)")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    for line in asyncio.run(main(arguments)):
        print(json.dumps(line), flush=True)
