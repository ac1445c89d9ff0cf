"""``MemoryStorage``: the kit's :class:`~microkube.testing.fakes.FakeStorage` as a backend.

The fake already is a complete in-memory store with etcd v3 semantics (history, compaction,
watch replay, leases), checked by the same conformance suite as every backend, so this
backend adds only what a store that runs for hours needs and a test double does not:

- no call log: the fake records every call for assertions, which would grow without bound;
- automatic compaction (:mod:`microkube.compaction`), so history does not grow without bound;
- its options from the configuration (progress notifications, response size, compaction).
"""

from __future__ import annotations

import asyncio
from typing import Any

from microkube.compaction import Compactor
from microkube.contracts import FactoryContext
from microkube.testing.fakes.storage import FakeStorage
from microkube.testing.recording import Recorder
from microkube_storage_memory.options import MemoryOptions, parse_options


class _Unrecorded(Recorder):
    """A recorder that keeps no call log (failure injection still works, unused here)."""

    def record(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        return None


class MemoryStorage(FakeStorage):
    """A :class:`~microkube.contracts.storage.Storage` held in process memory."""

    def __init__(self, options: MemoryOptions | None = None) -> None:
        self.options = options or MemoryOptions()
        self._unrecorded = _Unrecorded()
        super().__init__(
            progress_interval=self.options.progress_interval or None,
            max_batch=self.options.max_batch,
        )
        self._compaction: asyncio.Task[None] | None = None

    @classmethod
    def from_context(cls, context: FactoryContext) -> MemoryStorage:
        """Build from the plugin's configuration section (``data_dir`` is not used)."""
        return cls(parse_options(context.options))

    @property
    def recorder(self) -> Recorder:
        return self._unrecorded

    async def start(self) -> None:
        await super().start()
        opts = self.options
        if opts.compaction_interval and self._compaction is None:
            compactor = Compactor(
                self.compact,
                revision=lambda: self.revision,
                compacted=lambda: self.compacted_revision,
                interval=opts.compaction_interval,
                retain_revisions=opts.compaction_retain_revisions,
                retain_seconds=opts.compaction_retain_seconds,
            )
            self._compaction = asyncio.get_running_loop().create_task(compactor.run())

    async def close(self) -> None:
        if self._compaction is not None:
            self._compaction.cancel()
            # gather: `suppress(CancelledError)` would also swallow a cancellation of close()
            await asyncio.gather(self._compaction, return_exceptions=True)
            self._compaction = None
        await super().close()
