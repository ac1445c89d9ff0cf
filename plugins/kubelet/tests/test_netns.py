"""Pinned network namespaces: made, kept when already there, and removed (tmp_path only)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from microkube_kubelet.netns import create_netns, is_netns, remove_netns


def _links(path: Path) -> str:
    done = subprocess.run(
        ["nsenter", f"--net={path}", "--", "ip", "-br", "link"], capture_output=True, text=True
    )
    return done.stdout


async def test_create_keep_and_remove(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "mk-a"
    await create_netns(path)
    try:
        assert is_netns(path)
        links = await asyncio.to_thread(_links, path)
        assert links.split()[0] == "lo" and "eth0" not in links
        inode = path.stat().st_ino
        await create_netns(path)  # already there: the same namespace
        assert path.stat().st_ino == inode
    finally:
        await remove_netns(path)
    assert not path.exists() and not is_netns(path)
    await remove_netns(path)  # nothing there is fine


def test_a_plain_file_is_no_namespace(tmp_path: Path) -> None:
    (tmp_path / "f").touch()
    assert not is_netns(tmp_path / "f") and not is_netns(tmp_path / "missing")
