"""The ``log`` audit backend: each Event as one JSON line appended to a file (``-`` = standard
output), as kube-apiserver's ``--audit-log-path``."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

__all__ = ["JsonLinesBackend"]


class JsonLinesBackend:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._out: TextIO | None = None

    def _stream(self) -> TextIO:
        if self._out is None:
            if self.path == "-":
                self._out = sys.stdout
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        return self._out

    async def process(self, event: Mapping[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":")) + "\n"
        with self._lock:
            out = self._stream()
            out.write(line)
            out.flush()

    async def close(self) -> None:
        with self._lock:
            if self._out is not None and self._out is not sys.stdout:
                self._out.close()
            self._out = None
