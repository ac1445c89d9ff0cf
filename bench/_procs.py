"""What the benches share: the run-broke error, percentiles, a process's RSS and CPU time, the
``microkube`` executable, and stopping a helper process by PID.

Benches run as scripts (``python bench/<name>.py``), so this module is imported by its bare
name from the scripts' own directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "BenchError",
    "cpu_seconds",
    "microkube_executable",
    "percentile",
    "rss_mb",
    "stop",
    "tail",
]


class BenchError(RuntimeError):
    """The run itself broke (a server did not start, a request failed, ...)."""


def percentile(samples: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile of ``samples`` (0 <= q <= 1)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    """The resident set size of ``pid`` in MiB (``VmRSS``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def microkube_executable() -> str:
    """The ``microkube`` command beside this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "microkube"
    found = str(beside) if beside.exists() else shutil.which("microkube")
    if found is None:
        raise BenchError("no 'microkube' executable beside this Python or on PATH")
    return found


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` of a log file (for an error message)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen[bytes], timeout: float, log: Callable[[str], None]) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log(f"pid {proc.pid} ignored SIGTERM; killing it")
        proc.kill()
        proc.wait(timeout)
