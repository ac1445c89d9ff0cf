"""NetNamespace: a fresh namespace held by a process, gone when closed."""

from __future__ import annotations

import os
import socket
import subprocess

from microkube.testing.netns import NetNamespace


def _own_namespace() -> str:
    return os.readlink(f"/proc/self/task/{_tid()}/ns/net")


def _tid() -> int:
    return __import__("threading").get_native_id()


def test_commands_and_threads_run_inside_and_close_leaves_nothing():
    with NetNamespace() as ns:
        pid, inside = ns.pid, os.readlink(ns.path)
        assert inside != os.readlink("/proc/self/ns/net")
        assert "LOOPBACK,UP" in ns.run("ip", "link", "show", "lo").stdout
        assert ns.call(_own_namespace) == inside
        ns.run("ip", "addr", "add", "10.123.0.1/32", "dev", "lo")
        server = ns.call(socket.create_server, ("10.123.0.1", 0))
        with server:
            port = server.getsockname()[1]
            ns.call(lambda: socket.create_connection(("10.123.0.1", port), timeout=1).close())
    assert not os.path.exists(f"/proc/{pid}")
    assert os.readlink("/proc/self/ns/net") != inside


def test_an_uplink_gives_the_namespace_a_host_address_and_default_route():
    with NetNamespace() as ns:
        ns.add_uplink("192.168.251.2/24", "192.168.251.1")
        assert "192.168.251.2/24" in ns.run("ip", "-br", "addr", "show", "uplink0").stdout
        assert "default via 192.168.251.1" in ns.run("ip", "route").stdout
        assert (
            "uplink0"
            not in subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
        )
