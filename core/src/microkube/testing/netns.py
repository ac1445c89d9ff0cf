"""Network namespaces for tests, held by a process (``unshare --net sleep``), never named.

Nothing appears under ``/run/netns``: the namespace lives as long as its holder process (and
any thread or process still inside it), so stopping the holder by PID leaves nothing behind.
Its path ``/proc/<pid>/ns/net`` is what ``nsenter --net=``, ``setns(2)`` and the backends'
``netns`` options take::

    with NetNamespace() as ns:
        ns.run("ip", "addr", "add", "10.0.0.1/32", "dev", "lo")
        ns.call(socket.create_connection, ("10.0.0.1", 80))  # on a thread inside it
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from microkube.netns import enter_netns

__all__ = ["NetNamespace", "enter_netns"]

T = TypeVar("T")


class NetNamespace:
    """A fresh network namespace with loopback up (use ``with`` or start()/close())."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the namespace is not started")
        return self.process.pid

    @property
    def path(self) -> str:
        return f"/proc/{self.pid}/ns/net"

    def start(self) -> NetNamespace:
        self.process = subprocess.Popen(["unshare", "--net", "sleep", "3600"])
        mine = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 5.0
        while True:  # unshare runs before exec(sleep): wait until the holder is inside
            try:
                if os.readlink(self.path) != mine:
                    break
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("unshare --net did not start (root is needed)")
            time.sleep(0.005)
        self.run("ip", "link", "set", "lo", "up")
        return self

    def add_uplink(
        self, address: str = "192.168.250.2/24", gateway: str = "192.168.250.1"
    ) -> NetNamespace:
        """Make the namespace look like a machine's host network: an uplink with ``address``
        and a default route via ``gateway`` (a port-less bridge, so nothing leaves it).
        Components that pick "the host's address" (the route toward a Service IP) find one."""
        self.run("ip", "link", "add", "uplink0", "type", "bridge")
        self.run("ip", "addr", "add", address, "dev", "uplink0")
        self.run("ip", "link", "set", "uplink0", "up")
        self.run("ip", "route", "add", "default", "via", gateway, "dev", "uplink0")
        return self

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace; with ``check``, failure raises with stderr."""
        result = subprocess.run(
            ["nsenter", f"--net={self.path}", *argv], capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")
        return result

    def popen(self, *argv: str, **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a process inside the namespace (the caller stops it by PID)."""
        return subprocess.Popen(["nsenter", f"--net={self.path}", *argv], **kwargs)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on a thread inside the namespace (sockets it opens are)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=4, initializer=enter_netns, initargs=(self.path,)
            )
        return self._executor.submit(function, *args).result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> NetNamespace:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
