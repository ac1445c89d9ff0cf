"""Usage from /proc and the host's address."""

from __future__ import annotations

import ipaddress
import os

from microkube_cri_process.host import primary_ip, proc_usage


def test_proc_usage_of_this_process() -> None:
    cpu, memory = proc_usage(os.getpid())
    assert cpu > 0 and memory > 1024 * 1024
    assert proc_usage(2**22 + 1) == (0, 0), "a process that does not exist uses nothing"


def test_primary_ip_is_an_address() -> None:
    assert ipaddress.ip_address(primary_ip())
