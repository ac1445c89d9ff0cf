"""Which slice writes of a Service the informer has not shown yet (upstream's
``EndpointSliceTracker``): syncing from a cache that misses a slice just created would create
it twice, so a Service whose writes are not all visible waits for its cache."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DELETED = "deleted"


def _newer_or_same(seen: str, written: str) -> bool:
    if seen == written:
        return True
    try:
        return int(seen) >= int(written)
    except ValueError:
        return False


class SliceTracker:
    def __init__(self) -> None:
        # service key -> {slice name: resourceVersion written, or DELETED}
        self._expected: dict[str, dict[str, str]] = {}

    def wrote(self, service_key: str, written: Mapping[str, Any]) -> None:
        meta = written.get("metadata") or {}
        self._expected.setdefault(service_key, {})[meta["name"]] = meta.get("resourceVersion", "")

    def deleted(self, service_key: str, name: str) -> None:
        self._expected.setdefault(service_key, {})[name] = DELETED

    def stale(self, service_key: str, cached: Sequence[Mapping[str, Any]]) -> bool:
        """Some write is not in ``cached`` yet; once all are, the expectations are dropped."""
        expected = self._expected.get(service_key)
        if not expected:
            return False
        by_name = {s["metadata"]["name"]: s for s in cached}
        for name, version in expected.items():
            seen = by_name.get(name)
            if version == DELETED:
                if seen is not None:
                    return True
            elif seen is None or not _newer_or_same(
                seen["metadata"].get("resourceVersion", ""), version
            ):
                return True
        self._expected.pop(service_key, None)
        return False

    def forget(self, service_key: str) -> None:
        self._expected.pop(service_key, None)
