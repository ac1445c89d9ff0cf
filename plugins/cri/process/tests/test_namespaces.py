"""Pod network namespaces: created with loopback up, reachable only from inside, removed."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from pathlib import Path

import pytest
from microkube_cri_process import linux
from microkube_cri_process.namespaces import (
    connect_in,
    create_netns,
    in_own_thread,
    remove_pinned,
)


def serve_once_in(netns: str, ready: threading.Event, port: list[int]) -> None:
    with open(netns) as f:
        linux.setns(f.fileno(), linux.CLONE_NEWNET)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port.append(server.getsockname()[1])
        ready.set()
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"inside\n")


async def test_netns_has_loopback_and_is_separate(tmp_path: Path) -> None:
    netns = str(tmp_path / "netns" / "pod")
    await in_own_thread(lambda: create_netns(netns))
    try:
        ready, port = threading.Event(), []
        server = threading.Thread(target=serve_once_in, args=(netns, ready, port), daemon=True)
        server.start()
        assert await asyncio.to_thread(ready.wait, 30)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port[0]), timeout=5).close()
        sock = await in_own_thread(lambda: connect_in(netns, port[0]))
        reader, writer = await asyncio.open_connection(sock=sock)
        assert await reader.read() == b"inside\n"
        writer.close()
    finally:
        remove_pinned(netns)
    assert netns.rsplit("/", 1)[1] not in os.listdir(tmp_path)
    remove_pinned(netns)  # idempotent


def thread_namespaces() -> set[str]:
    """The network namespace of every thread of this process."""
    return {os.readlink(f"/proc/self/task/{task}/ns/net") for task in os.listdir("/proc/self/task")}


async def test_no_thread_stays_in_a_pod_namespace(tmp_path: Path) -> None:
    netns = str(tmp_path / "pod")
    await in_own_thread(lambda: create_netns(netns))
    try:
        assert thread_namespaces() == {os.readlink("/proc/self/ns/net")}
    finally:
        remove_pinned(netns)
