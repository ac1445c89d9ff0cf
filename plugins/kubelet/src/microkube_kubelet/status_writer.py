"""Writes pod statuses through ``pods/status``, only when they changed (upstream's status
manager): a status equal to the one last written, or to the one the API server already holds,
is not sent again."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from microkube.client.api import ApiClient

__all__ = ["StatusWriter"]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _same(desired: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    """Whether ``held`` (the API's status) already says everything ``desired`` says."""
    for key, value in desired.items():
        if value is None:
            if held.get(key) not in (None, [], ""):
                return False
        elif _canonical(value) != _canonical(held.get(key)):
            return False
    return True


class StatusWriter:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self._written: dict[str, str] = {}
        #: uid -> number of status writes (what "only when changed" is tested with)
        self.writes: dict[str, int] = {}

    def forget(self, uid: str) -> None:
        self._written.pop(uid, None)

    async def write(self, pod: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
        """Send ``status`` for ``pod`` unless unchanged; True if it was sent. API and
        transport errors propagate (the caller retries)."""
        meta = pod.get("metadata") or {}
        uid = meta.get("uid", "")
        canonical = _canonical(status)
        if self._written.get(uid) == canonical:
            return False
        if _same(status, pod.get("status") or {}):
            self._written[uid] = canonical
            return False
        body = copy.deepcopy(dict(status))
        await self.api.patch_status(
            "pods", meta.get("name", ""), {"status": body}, meta.get("namespace") or "default"
        )
        self._written[uid] = canonical
        self.writes[uid] = self.writes.get(uid, 0) + 1
        return True
