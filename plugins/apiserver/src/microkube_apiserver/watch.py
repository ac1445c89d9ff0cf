"""Watch: a resource's changes as Kubernetes watch events, from a resourceVersion.

- With no resourceVersion (or 0) the watch starts with synthetic ``ADDED`` events for the
  current objects, then streams changes after them; with resourceVersion N it streams every
  change after N (a compacted N is an ``ERROR`` event holding a 410 Expired Status,
  ``too old resource version: N (oldest)``).
- With selectors, a modification that makes an object match is ``ADDED`` and one that makes it
  stop matching is ``DELETED`` (carrying the previous state at the new resourceVersion), as the
  watch cache does; the storage event's ``prev_kv`` tells the two apart.
- ``allowWatchBookmarks``: ``BOOKMARK`` events (an empty object of the kind with only
  ``metadata.resourceVersion``) from the store's progress notifications, requested at least
  every ``bookmark_interval`` seconds.
- ``sendInitialEvents=true`` (watch-list): the current objects as ``ADDED``, then a
  ``BOOKMARK`` annotated ``k8s.io/initial-events-end: "true"``, then changes.

An event about a stored object keeps the stored value and decodes it only when asked: with
no selector nothing needs the object, and a watcher that sends a line another watcher already
encoded (:mod:`microkube_apiserver.store.shared_lines`) never decodes it at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import attrs

from microkube.contracts.storage import CompactedError, EventType, KeyValue, WatchEvent
from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.filters import Predicate, build_predicate
from microkube_apiserver.registry.objects import decode, decode_at
from microkube_apiserver.registry.versions import ListParams, wait_for_revision
from microkube_apiserver.store import codec

__all__ = ["INITIAL_EVENTS_END", "Event", "watch_events"]

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
_PAGE = 1000


@attrs.define(eq=False)
class Event:
    """One watch event: ``{"type": type, "object": object}`` on the wire.

    An event about a stored object has its storage ``key``, the stored ``value`` and the
    ``revision`` the object is shown at (its resourceVersion); ``object`` decodes the value
    on first use unless the event was made with the object (``decoded``). BOOKMARK and ERROR
    events have only ``decoded``.
    """

    type: str
    decoded: dict[str, Any] | None = None
    key: str = ""
    value: bytes = b""
    revision: int = 0
    #: the collection watched, when its objects are stored in another form (a conversion)
    view: Target | None = None

    @property
    def object(self) -> dict[str, Any]:
        if self.decoded is None:
            if self.view is None:
                self.decoded = codec.decode_at(self.value, self.revision)
            else:
                self.decoded = decode_at(self.view, self.value, self.revision)
        return self.decoded

    @property
    def line_key(self) -> tuple[str, int, str] | None:
        """What decides this event's JSON line; None when it is not about a stored object.
        A converted object's line differs by the API it is served through."""
        if not self.key:
            return None
        if self.view is None:
            return (self.key, self.revision, self.type)
        return (self.key, self.revision, f"{self.type} {self.view.resource.api_version}")

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "object": self.object}


def _event(kind: str, obj: dict[str, Any]) -> Event:
    return Event(kind, obj)


def _stored(
    view: Target,
    kind: str,
    kv: KeyValue,
    value: bytes,
    obj: dict[str, Any] | None = None,
) -> Event:
    """An event showing ``value`` (``obj`` once decoded) at ``kv``'s revision."""
    converted = view if view.conversion is not None else None
    return Event(kind, obj, kv.key, value, kv.mod_revision, converted)


def _translate(view: Target, event: WatchEvent, predicate: Predicate | None) -> Event | None:
    kv, prev = event.kv, event.prev_kv
    if event.type is EventType.DELETE:
        if prev is None:
            return None
        deleted = _stored(view, "DELETED", kv, prev.value)
        return deleted if predicate is None or predicate(deleted.object) else None
    if predicate is None:  # the previous value only tells ADDED from MODIFIED
        return _stored(view, "MODIFIED" if prev is not None else "ADDED", kv, kv.value)
    new = decode(view, kv)
    old = decode(view, prev) if prev is not None else None
    now_matches = predicate(new)
    before_matched = old is not None and predicate(old)
    if now_matches:
        return _stored(view, "MODIFIED" if before_matched else "ADDED", kv, kv.value, new)
    if before_matched:
        assert prev is not None and old is not None
        old["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return _stored(view, "DELETED", kv, prev.value, old)
    return None


def _named(predicate: Predicate | None, name: str) -> Predicate | None:
    if not name:
        return predicate

    def matches(obj: Any) -> bool:
        if (obj.get("metadata") or {}).get("name") != name:
            return False
        return predicate is None or predicate(obj)

    return matches


def _bookmark(target: Target, revision: int, *, initial_end: bool = False) -> Event:
    metadata: dict[str, Any] = {"resourceVersion": str(revision)}
    if initial_end:
        metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
    resource = target.resource
    return _event(
        "BOOKMARK",
        {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": metadata},
    )


def _too_old(requested: int, oldest: int) -> Event:
    error = errors.expired(f"too old resource version: {requested} ({oldest})")
    return _event("ERROR", error.status())


async def _initial(
    api: Api, target: Target, predicate: Predicate | None
) -> tuple[list[Event], int]:
    """The current objects as ADDED events, and the revision they were read at."""
    events: list[Event] = []
    start_after: str | None = None
    revision = 0
    while True:
        page = await api.storage.range(
            target.prefix, start_after=start_after, limit=_PAGE, revision=revision
        )
        revision = revision or page.revision
        for kv in page.items:
            start_after = kv.key
            if predicate is None:
                events.append(_stored(target, "ADDED", kv, kv.value))
            elif predicate(obj := decode(target, kv)):
                events.append(_stored(target, "ADDED", kv, kv.value, obj))
        if not page.more:
            return events, revision


async def watch_events(
    api: Api, target: Target, params: ListParams, *, bookmark_interval: float
) -> AsyncIterator[Event]:
    """The watch's events, in order, until the caller stops iterating (or the store closes)."""
    predicate = _named(
        build_predicate(params.label_selector, params.field_selector, target.rules), target.name
    )
    collection = Target(target.resource, namespace=target.namespace)
    rv = params.resource_version
    initial = params.send_initial_events
    if initial is None:
        initial = not rv
    if initial:
        if rv:
            await wait_for_revision(api, rv)
        added, revision = await _initial(api, collection, predicate)
        for event in added:
            yield event
        if params.send_initial_events:
            yield _bookmark(target, revision, initial_end=True)
        start = revision + 1
    elif rv:
        start = rv + 1
    else:
        start = await api.storage.current_revision() + 1
    storage_watch = api.storage.watch(collection.prefix, start_revision=start)
    ticker = None
    if params.allow_bookmarks:
        ticker = asyncio.create_task(_request_progress(storage_watch, bookmark_interval))
    last_bookmark = time.monotonic()
    try:
        async for response in storage_watch:
            if not response.events:
                now = time.monotonic()
                if params.allow_bookmarks and now - last_bookmark >= bookmark_interval * 0.9:
                    last_bookmark = now
                    yield _bookmark(target, response.revision)
                continue
            for event in response.events:
                translated = _translate(collection, event, predicate)
                if translated is not None:
                    yield translated
    except CompactedError as exc:
        yield _too_old(rv if rv else start - 1, exc.compact_revision)
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        await storage_watch.close()


async def _request_progress(storage_watch: Any, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        storage_watch.request_progress()
