"""One process per database: an exclusive ``flock`` on ``<database>.lock``.

The backend keeps the revision counter and the watch ring in memory, so a second process
writing the same file would hand out revisions behind the first one's back. The lock is
released by the kernel when the process dies, so a ``kill -9`` never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from microkube.contracts.storage import StorageError


class DatabaseLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StorageError(f"{self.path}: the database is in use by another process") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
