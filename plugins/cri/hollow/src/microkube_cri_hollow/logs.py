"""The CRI log lines of a hollow container's emulated output (``echo hi`` logs ``hi``)."""

from __future__ import annotations

import os
import time


def write_cri_log(path: str, data: bytes, stream: str = "stdout") -> None:
    """Append ``data`` to ``path`` in the CRI log format, one ``F`` record per line."""
    ns = time.time_ns()
    seconds, nanos = divmod(ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"
    prefix = f"{stamp} {stream} F ".encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "ab") as log:
        log.write(b"".join(prefix + line + b"\n" for line in data.splitlines()))
