"""Entering a network namespace from the calling thread (``setns(2)``, through ctypes).

``setns`` with ``CLONE_NEWNET`` moves only the calling *thread*, so components that work in
another namespace (a proxy backend programming a node's rules, a runtime dialling into a
pod) do that work on a thread that entered it first. Python 3.11 has no ``os.setns``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["CLONE_NEWNET", "enter_netns"]

CLONE_NEWNET = 0x40000000


def enter_netns(path: str) -> None:
    """Move the calling thread into the network namespace at ``path`` (a pinned file or
    ``/proc/<pid>/ns/net``); OSError naming the path when that fails."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)
