"""Container log files and their rotation.

The runtime writes each attempt's CRI-format log to ``<root-dir>/pods/<uid>/<container>/
<attempt>.log`` (the sandbox's ``log_directory`` plus the container's ``log_path``). As the
upstream kubelet's container log manager, every ``container-log-monitor-interval`` a log over
``container-log-max-size`` is rotated to ``<attempt>.log.<YYYYMMDD-HHMMSS>`` and the oldest
rotated files beyond ``container-log-max-files`` (counting the live one) are removed.

Upstream renames the live file and asks the runtime to reopen it (CRI ReopenContainerLog).
The runtime contract has no reopen call yet, so the live file is copied to the rotated name
and truncated in place: the runtime keeps its append-mode descriptor and carries on at the
new end of the file.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

__all__ = [
    "container_log_path",
    "log_tail_message",
    "pod_log_directory",
    "rotate_if_needed",
    "rotated_files",
]


def pod_log_directory(root_dir: Path, uid: str) -> Path:
    return root_dir / "pods" / uid


def container_log_path(name: str, attempt: int) -> str:
    """The container's ``log_path``, relative to the sandbox's ``log_directory``."""
    return f"{name}/{attempt}.log"


def rotated_files(log: Path) -> list[Path]:
    """Rotated copies of ``log``, oldest first."""
    return sorted(log.parent.glob(log.name + ".*"))


def rotate_if_needed(log: Path, max_size: int, max_files: int, now: float | None = None) -> bool:
    """Rotate ``log`` if it is larger than ``max_size``; True if it was rotated."""
    try:
        size = log.stat().st_size
    except FileNotFoundError:
        return False
    if size <= max_size:
        return False
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    target = log.with_name(f"{log.name}.{stamp}")
    counter = 0
    while target.exists():
        counter += 1
        target = log.with_name(f"{log.name}.{stamp}.{counter}")
    with open(log, "r+b") as live, open(target, "wb") as copy:
        shutil.copyfileobj(live, copy)
        live.truncate(0)
    old = rotated_files(log)
    for path in old[: max(0, len(old) - (max_files - 1))]:
        os.unlink(path)
    return True


#: upstream's limits for ``FallbackToLogsOnError`` messages
FALLBACK_LINES = 80
FALLBACK_BYTES = 2048


def log_tail_message(log: Path) -> str:
    """The end of a CRI-format log as a termination message (``FallbackToLogsOnError``):
    at most the last 80 lines and 2 KiB, as upstream."""
    try:
        with open(log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return ""
    text: list[str] = []
    partial = ""
    for raw in data.decode(errors="replace").splitlines():
        parts = raw.split(" ", 3)
        if len(parts) < 3:
            continue
        content = parts[3] if len(parts) == 4 else ""
        if parts[2] == "P":
            partial += content
            continue
        text.append(partial + content)
        partial = ""
    message = "\n".join(text[-FALLBACK_LINES:])
    return message[-FALLBACK_BYTES:]
