"""Recording core/v1 Events about objects, as client-go's ``tools/record`` does.

``kubectl describe`` lists the core/v1 Events whose ``involvedObject`` is the object described,
so every component reports what it did through an :class:`EventRecorder`:
``recorder.event(pod, "Normal", "Scheduled", "Successfully assigned default/web to node-1")``.

Recording never blocks the caller and never raises: events queue (bounded, the oldest dropped
when full, as client-go's broadcaster) and one background task writes them. An event equal to
one already written (same object, type, reason, message and source) is not created again: the
stored one gets ``count + 1`` and a new ``lastTimestamp`` (client-go's EventCorrelator), which
is what ``kubectl describe`` shows as ``(x3 over 2m)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError, TransportError

__all__ = ["NORMAL", "WARNING", "EventRecorder", "involved_object"]

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
_MAX_QUEUED = 1000
_MAX_REMEMBERED = 4096
_MESSAGE_LIMIT = 1024  # Kubernetes truncates event messages to 1 KiB


def involved_object(obj: Mapping[str, Any], field_path: str = "") -> dict[str, Any]:
    """The ObjectReference an Event about ``obj`` (a dict in Kubernetes' JSON shape) carries."""
    meta = obj.get("metadata") or {}
    ref = {
        "kind": obj.get("kind", ""),
        "apiVersion": obj.get("apiVersion", ""),
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if field_path:
        ref["fieldPath"] = field_path
    return {key: value for key, value in ref.items() if value}


def _timestamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Writes Events as ``component`` (and ``host``, for node agents) through ``api``.

    ``start()`` runs the writer task; ``stop()`` writes what is queued (bounded by ``flush``
    seconds) and ends it. Events recorded before ``start()`` wait in the queue.
    """

    def __init__(
        self,
        api: ApiClient,
        component: str,
        *,
        host: str = "",
        instance: str = "",
        clock: Any = time.time,
    ) -> None:
        self.api = api
        self.component = component
        self.host = host
        self.instance = instance or host or component
        self._clock = clock
        self._queue: deque[dict[str, Any]] = deque(maxlen=_MAX_QUEUED)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        # (namespace, dedup key) -> (event name, count)
        self._written: OrderedDict[tuple[Any, ...], tuple[str, int]] = OrderedDict()

    # -- recording ---------------------------------------------------------------------

    def event(
        self,
        obj: Mapping[str, Any],
        type_: str,
        reason: str,
        message: str,
        *,
        field_path: str = "",
        action: str = "",
    ) -> None:
        """Queue one Event about ``obj``; returns at once."""
        if type_ not in (NORMAL, WARNING):
            raise ValueError(f"event type must be {NORMAL!r} or {WARNING!r}, not {type_!r}")
        ref = involved_object(obj, field_path)
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 3] + "..."
        self._idle.clear()
        self._queue.append(
            {
                "ref": ref,
                "type": type_,
                "reason": reason,
                "message": message,
                "action": action or reason,
                "at": self._clock(),
            }
        )
        self._wake.set()

    def eventf(self, obj: Mapping[str, Any], type_: str, reason: str, fmt: str, *args: Any) -> None:
        """:meth:`event` with a ``%``-style message."""
        self.event(obj, type_, reason, fmt % args if args else fmt)

    # -- the writer ----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, flush: float = 2.0) -> None:
        """Write what is queued (for at most ``flush`` seconds), then stop the writer."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), flush)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def drain(self) -> None:
        """Wait until every queued event has been written (for tests)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                item = self._queue.popleft()
                try:
                    await self._write(item)
                except asyncio.CancelledError:
                    raise
                except (ApiError, TransportError, OSError, TimeoutError) as exc:
                    log.debug("event %s dropped: %s", item["reason"], exc)
                except Exception:  # a bug here must not stop the recorder
                    log.exception("writing event %s failed", item["reason"])
            self._idle.set()

    async def _write(self, item: dict[str, Any]) -> None:
        ref = item["ref"]
        namespace = ref.get("namespace") or "default"
        key = (
            namespace,
            ref.get("kind"),
            ref.get("name"),
            ref.get("uid"),
            ref.get("fieldPath"),
            item["type"],
            item["reason"],
            item["message"],
        )
        stamp = _timestamp(item["at"])
        seen = self._written.get(key)
        if seen is not None:
            name, count = seen
            patch = {"count": count + 1, "lastTimestamp": stamp}
            try:
                await self.api.patch("events", name, patch, namespace)
            except NotFoundError:
                pass  # expired or deleted: create a fresh one below
            else:
                self._remember(key, name, count + 1)
                return
        name = f"{ref.get('name', 'unknown')}.{time.time_ns():x}"
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": ref,
            "reason": item["reason"],
            "message": item["message"],
            "type": item["type"],
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.instance,
            "action": item["action"],
        }
        await self.api.create("events", body, namespace)
        self._remember(key, name, 1)

    def _remember(self, key: tuple[Any, ...], name: str, count: int) -> None:
        self._written[key] = (name, count)
        self._written.move_to_end(key)
        while len(self._written) > _MAX_REMEMBERED:
            self._written.popitem(last=False)
