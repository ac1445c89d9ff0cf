"""Pod network namespaces the kubelet makes, pinned on files (as ``ip netns add`` pins them
under /run/netns) so CNI plugins and the runtime can enter them by path.

``unshare --net=FILE`` (util-linux) makes the namespace and bind-mounts it onto the file; the
namespace lives until the file is unmounted and its last process is gone. Subprocesses keep
the kubelet's own threads out of any namespace change.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

__all__ = ["NetnsError", "create_netns", "is_netns", "remove_netns"]


class NetnsError(OSError):
    """A namespace could not be made or removed; the message names the path."""


def is_netns(path: Path) -> bool:
    """A namespace is pinned on ``path`` (a bind mount: another device than its directory)."""
    try:
        return path.stat().st_dev != path.parent.stat().st_dev
    except OSError:
        return False


async def _run(*argv: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    return process.returncode or 0, stderr.decode(errors="replace").strip()


async def create_netns(path: Path) -> None:
    """A new network namespace pinned at ``path`` (an existing one there is kept)."""
    if is_netns(path):
        return
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(path.touch)
    code, error = await _run("unshare", f"--net={path}", "true")
    if code != 0:
        await asyncio.to_thread(path.unlink, True)
        raise NetnsError(f"cannot create network namespace {path}: {error}")


async def remove_netns(path: Path) -> None:
    """Unpin the namespace at ``path`` and remove the file (nothing there is fine)."""
    if is_netns(path):
        code, error = await _run("umount", str(path))
        if code != 0 and is_netns(path):
            raise NetnsError(f"cannot unmount network namespace {path}: {error}")
    with contextlib.suppress(FileNotFoundError):
        await asyncio.to_thread(os.unlink, path)
