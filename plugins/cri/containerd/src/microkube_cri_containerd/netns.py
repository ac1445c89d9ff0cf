"""Sockets made inside another network namespace (containerd's or a pod's).

containerd's streaming server listens on *its* loopback, and a pod's port is on the pod's
loopback: both may be in a network namespace other than ours (containerd run in a namespace of
its own, as the tests do). A socket stays in the namespace it was created in, so a short-lived
thread enters the namespace (``setns``; threads switch alone), connects, and hands the socket
to asyncio.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import threading

from microkube.netns import enter_netns

__all__ = ["connect_in", "peer_netns"]


def _same_as_ours(path: str) -> bool:
    try:
        return os.stat(path).st_ino == os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return False


def peer_netns(unix_socket: str) -> str | None:
    """The network namespace of the process serving ``unix_socket`` (SO_PEERCRED), or None
    when it is ours."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(unix_socket)
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid = struct.unpack("3i", creds)[0]
    path = f"/proc/{pid}/ns/net"
    return None if _same_as_ours(path) else path


def _connect(netns: str | None, host: str, port: int, timeout: float) -> socket.socket:
    result: list[socket.socket | BaseException] = []

    def run() -> None:
        try:
            if netns is not None:
                enter_netns(netns)
            sock = socket.create_connection((host, port), timeout)
            sock.setblocking(False)
            result.append(sock)
        except BaseException as exc:  # handed to the caller
            result.append(exc)

    if netns is None or _same_as_ours(netns):
        run()
    else:
        thread = threading.Thread(target=run, name="netns-connect", daemon=True)
        thread.start()
        thread.join()
    outcome = result[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def connect_in(
    netns: str | None, host: str, port: int, *, connect_timeout: float = 10.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to ``host:port`` made inside ``netns`` (None: ours); OSError when
    nothing listens there."""
    sock = await asyncio.to_thread(_connect, netns, host, port, connect_timeout)
    return await asyncio.open_connection(sock=sock)
