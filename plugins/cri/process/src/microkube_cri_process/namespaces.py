"""A pod sandbox's network namespace (unless host network).

It is made by a short-lived thread that unshares it, brings loopback up and bind-mounts
``/proc/thread-self/ns/net`` onto a file, which keeps the namespace alive after the thread
ends — as ``ip netns add`` does. They are pinned under ``/run/netns`` by default, so
``ip netns`` and CNI plugins see them. Containers enter it with ``setns`` before ``exec``;
port-forward connects from a thread that entered it. (The pod's hostname is set in each
container's own UTS namespace at its start: see :mod:`microkube_cri_process.spawn`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

from microkube_cri_process import linux

T = TypeVar("T")


async def in_own_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a new thread that ends afterwards: a thread whose namespaces changed
    must never go back to a pool."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            value = fn()
        except BaseException as exc:
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, value, None)

    thread = threading.Thread(target=run, name="microkube-cri-netns", daemon=True)
    thread.start()
    try:
        return await future
    finally:
        # Only once the thread is gone has its namespace left this process.
        await asyncio.to_thread(thread.join)


def create_netns(netns_path: str) -> None:
    """Create a network namespace pinned at ``netns_path``, with loopback up. Runs in a
    thread that is discarded afterwards (see :func:`in_own_thread`)."""
    os.makedirs(os.path.dirname(netns_path), exist_ok=True)
    linux.unshare(linux.CLONE_NEWNET)
    linux.loopback_up()
    with open(netns_path, "w"):
        pass
    linux.bind_mount("/proc/thread-self/ns/net", netns_path)


def remove_pinned(path: str) -> None:
    """Unpin a namespace made by :func:`create_netns` (it ends with its last process)."""
    with contextlib.suppress(FileNotFoundError):
        with contextlib.suppress(OSError):
            linux.umount(path)
        os.unlink(path)


def connect_in(netns_path: str | None, port: int) -> socket.socket:
    """A TCP socket connected to ``127.0.0.1:port`` inside the namespace pinned at
    ``netns_path`` (None: the host's). Blocking; run it in its own thread."""
    if netns_path:
        fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            linux.setns(fd, linux.CLONE_NEWNET)
        finally:
            os.close(fd)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
