"""The TTL-after-finished controller: deletes finished Jobs ``ttlSecondsAfterFinished``
seconds after they finished (with foreground propagation, as upstream, so their pods go first).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from microkube.client import NotFoundError, meta_namespace_key
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.timeutil import now, parse_time
from microkube_controllers.jobs import conditions as cond

__all__ = ["TTLAfterFinishedController", "expires_at"]

log = logging.getLogger(__name__)


def finish_time(job: Mapping[str, Any]) -> datetime | None:
    """When the Job reached ``Complete`` or ``Failed`` (its condition's transition time)."""
    status = job.get("status") or {}
    for type_ in (cond.COMPLETE, cond.FAILED):
        condition = cond.find_condition(status, type_)
        if condition is not None and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


def expires_at(job: Mapping[str, Any]) -> datetime | None:
    """When a finished Job with a TTL is due for deletion; None if it never is."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    if ttl is None or (job.get("metadata") or {}).get("deletionTimestamp"):
        return None
    finished = finish_time(job)
    if finished is None:
        return None
    return finished + timedelta(seconds=int(ttl))


class TTLAfterFinishedController(QueueController):
    name = "ttl-after-finished"
    component = "ttlafterfinished-controller"

    def __init__(self, context: ControllerContext, *, clock: Callable[[], datetime] = now) -> None:
        super().__init__(context)
        self.clock = clock
        self.jobs = self.watch(
            self.informers.informer("jobs"),
            on_add=self._changed,
            on_update=lambda old, new: self._changed(new),
        )

    def _changed(self, job: dict[str, Any]) -> None:
        if expires_at(job) is not None:
            self.queue.add(meta_namespace_key(job))

    async def sync(self, key: str) -> None:
        again = await self._expire(key)
        if again is not None:
            self.queue.add_after(key, again)

    async def _expire(self, key: str) -> float | None:
        """Delete the Job if its TTL ran out; else the seconds left (None: never)."""
        job = self.jobs.store.get(key)
        if job is None:
            return None
        due = expires_at(job)
        if due is None:
            return None
        left = (due - self.clock()).total_seconds()
        if left > 0:
            return left
        # Read the Job afresh: its TTL may have changed since the informer saw it.
        meta = job["metadata"]
        try:
            fresh = await self.client.get("jobs", meta["name"], meta["namespace"])
        except NotFoundError:
            return None
        due = expires_at(fresh)
        if due is None:
            return None
        left = (due - self.clock()).total_seconds()
        if left > 0:
            return left
        log.info("deleting job %s: finished and its TTL expired", key)
        with contextlib.suppress(NotFoundError):
            await self.client.delete(
                "jobs",
                meta["name"],
                meta["namespace"],
                propagation_policy="Foreground",
                preconditions={"uid": meta["uid"]},
            )
        return None
