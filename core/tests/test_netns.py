"""``microkube.netns.enter_netns``: a thread moves into another network namespace alone."""

from __future__ import annotations

import os
import threading

import pytest

from microkube.netns import enter_netns
from microkube.testing.netns import NetNamespace

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (setns)")


def _inode(path: str) -> int:
    return os.stat(path).st_ino


def test_only_the_calling_thread_enters() -> None:
    with NetNamespace() as ns:
        seen: dict[str, int] = {}

        def inside() -> None:
            enter_netns(ns.path)
            seen["thread"] = _inode("/proc/thread-self/ns/net")

        thread = threading.Thread(target=inside)
        thread.start()
        thread.join()
        assert seen["thread"] == _inode(ns.path)
        assert _inode("/proc/thread-self/ns/net") != _inode(ns.path)


def test_a_missing_namespace_is_an_error_naming_it() -> None:
    with pytest.raises(OSError, match="/nonexistent/ns"):
        enter_netns("/nonexistent/ns")
