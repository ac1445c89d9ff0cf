"""Network namespaces made by the tests themselves: one standing for the node (where the
plugins run and the bridge is made) and one per pod, pinned on files under the test's
temporary directory and removed afterwards."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def make_netns(path: Path) -> str:
    path.touch()
    subprocess.run(["unshare", f"--net={path}", "true"], check=True)
    return str(path)


def remove_netns(path: Path) -> None:
    subprocess.run(["umount", str(path)], check=False, capture_output=True)
    path.unlink(missing_ok=True)


def in_netns(netns: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nsenter", f"--net={netns}", "--", *argv], capture_output=True, text=True, check=check
    )


@pytest.fixture
def netns_factory(tmp_path: Path) -> Iterator[Callable[[], str]]:
    made: list[Path] = []

    def make() -> str:
        path = tmp_path / f"ns-{uuid.uuid4().hex[:8]}"
        made.append(path)
        return make_netns(path)

    yield make
    for path in made:
        remove_netns(path)


@pytest.fixture
def node_netns(netns_factory: Callable[[], str]) -> str:
    node = netns_factory()
    in_netns(node, "ip", "link", "set", "lo", "up")
    return node


@pytest.fixture(name="in_netns")
def in_netns_fixture() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a command in a namespace: ``in_netns(path, "ip", "link", check=False)``."""
    return in_netns
