"""The userspace backend with real traffic: spreading, retries, affinity, relaying, cleanup."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
from microkube_proxy_userspace.options import UserspaceOptions
from microkube_proxy_userspace.proxier import ListenKey, UserspaceProxy

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceState,
)
from microkube.testing.node_network import NodeNetwork

NODE = "node-a"
WEB = ServicePortName("default", "web")
ECHO_PORT = 7000


def service(
    n: int, *targets: tuple[int, int], protocol: str = "TCP", **info: object
) -> ServiceState:
    return ServiceState(
        info=ServicePortInfo(cluster_ips=(f"10.96.50.{n}",), port=80, protocol=protocol, **info),  # type: ignore[arg-type]
        endpoints=tuple(
            Endpoint(ip=f"10.244.50.{i}", port=port, node_name=NODE) for i, port in targets
        ),
    )


def state(network: NodeNetwork, services: dict[ServicePortName, ServiceState]) -> ProxyState:
    return ProxyState(node_name=NODE, node_ips=(network.node_ip,), services=services)


@pytest.fixture
async def proxy(network: NodeNetwork) -> AsyncIterator[UserspaceProxy]:
    options = UserspaceOptions(netns=network.node.path, connect_timeout=0.5, udp_idle_timeout=5)
    proxy = UserspaceProxy(options, node_name=NODE)
    await proxy.start()
    yield proxy
    await proxy.close()


def _echo_forever(server: socket.socket) -> None:
    """Echo each connection's bytes back; answer with everything once the client shuts down
    its sending side (a half-close), then close."""
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)


@pytest.fixture(scope="module")
def echo(network: NodeNetwork) -> Iterator[None]:
    def listen() -> socket.socket:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("10.244.50.1", ECHO_PORT))
        server.listen(16)
        return server

    server = network.node.call(listen)
    thread = threading.Thread(target=_echo_forever, args=(server,), daemon=True)
    thread.start()
    yield
    server.shutdown(socket.SHUT_RDWR)
    server.close()
    thread.join(timeout=5)


def _answers(address: str, port: int, count: int) -> list[str]:
    out = []
    for _ in range(count):
        with socket.create_connection((address, port), timeout=2) as sock:
            out.append(sock.recv(64).decode())
    return out


async def test_connections_are_spread_round_robin(proxy: UserspaceProxy, network) -> None:
    await proxy.sync(state(network, {WEB: service(1, (1, 8080), (2, 8080), (3, 8080))}))
    answers = await asyncio.to_thread(network.node.call, _answers, "10.96.50.1", 80, 30)
    assert Counter(answers) == {f"10.244.50.{i} 8080": 10 for i in (1, 2, 3)}


async def test_a_refusing_endpoint_is_skipped(proxy: UserspaceProxy, network) -> None:
    # 10.244.50.4:7777 has no server: each connection that tries it goes on to the next.
    await proxy.sync(state(network, {WEB: service(1, (4, 7777), (2, 8080))}))
    answers = await asyncio.to_thread(network.node.call, _answers, "10.96.50.1", 80, 6)
    assert answers == ["10.244.50.2 8080"] * 6


async def test_client_ip_affinity_sticks(proxy: UserspaceProxy, network) -> None:
    targets = ((1, 8080), (2, 8080), (3, 8080))
    await proxy.sync(state(network, {WEB: service(1, *targets, session_affinity_seconds=60)}))
    answers = await asyncio.to_thread(network.node.call, _answers, "10.96.50.1", 80, 6)
    assert len(set(answers)) == 1


def _relay(address: str, payload: bytes) -> bytes:
    with socket.create_connection((address, 80), timeout=5) as sock:
        sender = threading.Thread(
            target=lambda: (sock.sendall(payload), sock.shutdown(socket.SHUT_WR))
        )
        sender.start()
        received = bytearray()
        while chunk := sock.recv(1 << 16):
            received += chunk
        sender.join()
    return bytes(received)


async def test_bytes_are_relayed_both_ways_with_half_close(
    proxy: UserspaceProxy, network, echo: None
) -> None:
    await proxy.sync(state(network, {WEB: service(1, (1, ECHO_PORT))}))
    payload = os.urandom(4 << 20)  # far beyond the 64 KiB buffers: flow control must work
    assert await asyncio.to_thread(network.node.call, _relay, "10.96.50.1", payload) == payload


def _udp(address: str, port: int, source_port: int, count: int) -> list[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.bind(("0.0.0.0", source_port))
        sock.connect((address, port))
        answers = []
        for _ in range(count):
            sock.send(b"?")
            answers.append(sock.recv(64).decode())
        return answers


async def test_udp_flows_stick_per_client_and_spread_over_clients(
    proxy: UserspaceProxy, network
) -> None:
    dns = ServicePortName("kube-system", "dns", "dns")
    await proxy.sync(state(network, {dns: service(3, (1, 1053), (2, 1053), protocol="UDP")}))
    first = await asyncio.to_thread(network.node.call, _udp, "10.96.50.3", 80, 40001, 4)
    second = await asyncio.to_thread(network.node.call, _udp, "10.96.50.3", 80, 40002, 4)
    assert len(set(first)) == 1 and len(set(second)) == 1
    assert set(first) | set(second) == {"10.244.50.1 1053", "10.244.50.2 1053"}


def _labelled(network: NodeNetwork) -> set[str]:
    out = network.node.run("ip", "-o", "-4", "addr", "show", "label", "lo:mkproxy").stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines()}


async def test_removal_closes_listeners_and_addresses(proxy: UserspaceProxy, network) -> None:
    lb = ServicePortName("default", "lb")
    await proxy.sync(
        state(
            network,
            {
                WEB: service(1, (1, 8080)),
                lb: service(2, (2, 8080), node_port=30080, external_ips=("203.0.113.10",)),
            },
        )
    )
    assert _labelled(network) == {"10.96.50.1", "10.96.50.2", "203.0.113.10"}  # not the node IP
    assert ListenKey(network.node_ip, 30080, "TCP") in proxy.listening
    await proxy.update({lb: None})
    assert _labelled(network) == {"10.96.50.1"}
    assert set(proxy.listening) == {ListenKey("10.96.50.1", 80, "TCP")}
    assert await network.resolve(network.node_ip, 30080) == set()
    assert await network.resolve("10.96.50.1", 80) == {("10.244.50.1", 8080)}
    await proxy.close()
    assert _labelled(network) == set()


async def test_a_previous_runs_addresses_are_removed(network) -> None:
    network.node.run("ip", "addr", "add", "10.96.50.99/32", "dev", "lo", "label", "lo:mkproxy")
    proxy = UserspaceProxy(UserspaceOptions(netns=network.node.path), node_name=NODE)
    await proxy.start()
    try:
        await proxy.sync(state(network, {WEB: service(1, (1, 8080))}))
        assert _labelled(network) == {"10.96.50.1"}
    finally:
        await proxy.close()
    assert _labelled(network) == set()


async def test_open_connections_end_when_their_service_goes(
    proxy: UserspaceProxy, network, echo: None
) -> None:
    await proxy.sync(state(network, {WEB: service(1, (1, ECHO_PORT))}))

    def hold() -> bytes:
        with socket.create_connection(("10.96.50.1", 80), timeout=5) as sock:
            sock.sendall(b"ping")
            assert sock.recv(4) == b"ping"
            held.set()
            return sock.recv(4)  # b"" once the proxy closes the connection

    held = threading.Event()
    waiting = asyncio.ensure_future(asyncio.to_thread(network.node.call, hold))
    await asyncio.to_thread(held.wait, 5)
    await proxy.update({WEB: None})
    assert await asyncio.wait_for(waiting, 5) == b""


async def test_a_sync_with_other_node_ips_moves_node_port_listeners(
    proxy: UserspaceProxy, network
) -> None:
    np = ServicePortName("default", "np")
    services = {np: service(1, (1, 8080), node_port=30090)}
    await proxy.sync(ProxyState(node_name=NODE, node_ips=("10.244.50.3",), services=services))
    assert ListenKey("10.244.50.3", 30090, "TCP") in proxy.listening
    await proxy.sync(state(network, services))
    assert ListenKey("10.244.50.3", 30090, "TCP") not in proxy.listening
    assert await network.resolve(network.node_ip, 30090) == {("10.244.50.1", 8080)}


async def test_an_address_moving_between_services_stays(proxy: UserspaceProxy, network) -> None:
    other = ServicePortName("default", "other")
    await proxy.sync(state(network, {WEB: service(7, (1, 8080))}))
    moved = ServiceState(
        info=ServicePortInfo(cluster_ips=("10.96.50.7",), port=81),
        endpoints=(Endpoint(ip="10.244.50.2", port=8080, node_name=NODE),),
    )
    await proxy.sync(state(network, {other: moved}))
    assert _labelled(network) == {"10.96.50.7"}
    assert await network.resolve("10.96.50.7", 81) == {("10.244.50.2", 8080)}


async def test_an_address_the_node_already_has_is_used_and_left_alone(
    proxy: UserspaceProxy, network
) -> None:
    ext = ServicePortName("default", "ext")
    existing = "10.244.50.4"  # an address of the node (the probe's), not the backend's
    await proxy.sync(state(network, {ext: service(1, (1, 8080), external_ips=(existing,))}))
    assert existing not in _labelled(network)
    assert await network.resolve(existing, 80) == {("10.244.50.1", 8080)}
    await proxy.update({ext: None})
    assert existing in network.node.run("ip", "-o", "-4", "addr", "show", "dev", "lo").stdout


async def test_buffers_stay_bounded_when_the_client_does_not_read(
    proxy: UserspaceProxy, network, echo: None
) -> None:
    await proxy.sync(state(network, {WEB: service(1, (1, ECHO_PORT))}))
    payload = os.urandom(8 << 20)
    opened: list[socket.socket] = []
    connected = threading.Event()

    def send() -> None:  # blocks while nobody reads what the echo server sends back
        sock = socket.create_connection(("10.96.50.1", 80), timeout=20)
        opened.append(sock)
        connected.set()
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)

    def read_all(sock: socket.socket) -> bytes:
        received = bytearray()
        while chunk := sock.recv(1 << 16):
            received += chunk
        return bytes(received)

    sending = asyncio.ensure_future(asyncio.to_thread(network.node.call, send))
    await asyncio.to_thread(connected.wait, 5)
    await asyncio.sleep(0.5)  # the echo server writes back; nobody reads: every buffer fills
    listener = proxy._listeners[ListenKey("10.96.50.1", 80, "TCP")]
    (connection,) = listener.connections
    sides = [connection.client, connection.upstream]
    buffered = [side.transport.get_write_buffer_size() for side in sides if side and side.transport]
    limit = 2 * proxy.options.buffer_bytes  # the high-water mark plus one read
    assert buffered and all(size <= limit for size in buffered), buffered

    with opened[0] as sock:
        reading = asyncio.ensure_future(asyncio.to_thread(network.node.call, read_all, sock))
        await asyncio.wait_for(sending, 20)
        assert await asyncio.wait_for(reading, 20) == payload
