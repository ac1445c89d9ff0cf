"""Image garbage collection at disk thresholds, as the kubelet's image manager
(``pkg/kubelet/images/image_gc_manager.go``): when the image filesystem is more than
``high`` percent full, remove images no container uses, least recently seen in use first,
until usage is below ``low`` percent. The sandbox image is never removed."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from microkube.contracts.runtime import RuntimeError_

__all__ = ["ImageGarbageCollector"]

log = logging.getLogger(__name__)


def _disk(path: str) -> tuple[int, int]:
    """(capacity, available) bytes of the filesystem holding ``path``."""
    stats = os.statvfs(path)
    return stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize


class ImageGarbageCollector:
    def __init__(self, runtime: Any, options: Any, disk: Any = _disk) -> None:
        self.runtime = runtime
        self.options = options
        self._disk = disk
        #: image id -> when it was last seen used by a container (or first seen at all)
        self.last_used: dict[str, float] = {}

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.options.image_gc_period)
            try:
                await self.collect()
            except (RuntimeError_, OSError) as exc:
                log.warning("image garbage collection failed: %s", exc)

    async def _in_use(self) -> set[str]:
        used: set[str] = set()
        for container in await self.runtime.list_containers():
            used.add(container.image_ref)
            used.add(container.image)
        return used

    async def collect(self) -> list[str]:
        """One pass; returns the ids of the images removed."""
        mountpoint, _used = await self.runtime.image_fs_usage()
        capacity, available = await asyncio.to_thread(self._disk, mountpoint)
        if capacity <= 0:
            return []
        usage = 100 * (capacity - available) / capacity
        images = await self.runtime.list_images()
        in_use = await self._in_use()
        now = time.time()
        for image in images:
            names = {image.id, *image.repo_tags, *image.repo_digests}
            if names & in_use or image.id not in self.last_used:
                self.last_used[image.id] = now
        if usage < self.options.image_gc_high_threshold_percent:
            return []
        to_free = (usage - self.options.image_gc_low_threshold_percent) * capacity / 100
        log.info(
            "image filesystem %.0f%% used (threshold %d%%): freeing %d bytes",
            usage,
            self.options.image_gc_high_threshold_percent,
            to_free,
        )
        removed: list[str] = []
        sandbox = self.options.sandbox_image
        candidates = [
            image
            for image in images
            if not ({image.id, *image.repo_tags, *image.repo_digests} & in_use)
            and sandbox not in image.repo_tags
        ]
        for image in sorted(candidates, key=lambda i: self.last_used.get(i.id, 0.0)):
            if to_free <= 0:
                break
            try:
                await self.runtime.remove_image(image.id)
            except RuntimeError_ as exc:
                log.warning("removing image %s failed: %s", image.id, exc)
                continue
            removed.append(image.id)
            self.last_used.pop(image.id, None)
            to_free -= image.size_bytes
        return removed
