"""The fake API server's memory: objects, one resourceVersion clock, event history, watchers.

Stored objects are never mutated: every write stores a new dict, so history entries and watch
queues can share them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from typing import Any

import attrs

from microkube.client.resources import Resource
from microkube.selectors import Matcher

ResourceKey = tuple[str, str]  # (group, plural)
ObjectKey = tuple[str, str]  # (namespace or "", name)


def resource_key(resource: Resource) -> ResourceKey:
    return (resource.group, resource.plural)


def object_key(obj: dict[str, Any]) -> ObjectKey:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


class TooOldError(Exception):
    """The requested resourceVersion is older than the retained history."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")


@attrs.frozen
class Event:
    rv: int
    resource: ResourceKey
    type: str
    obj: dict[str, Any]
    old: dict[str, Any] | None = None  # the previous state, for MODIFIED


@attrs.define(eq=False)
class Watcher:
    """One open watch: events that pass its filters land on ``queue``; ``None`` ends it."""

    resource: ResourceKey
    namespace: str | None
    matches: Matcher
    bookmarks: bool
    kind: str
    api_version: str
    queue: asyncio.Queue[dict[str, Any] | None] = attrs.field(factory=asyncio.Queue)

    def _in_scope(self, obj: dict[str, Any]) -> bool:
        if self.namespace and (obj["metadata"].get("namespace") or "") != self.namespace:
            return False
        return self.matches(obj)

    def offer(self, event: Event) -> None:
        """Queue the event as this watcher sees it (a selector change becomes ADDED/DELETED)."""
        if event.resource != self.resource:
            return
        now = self._in_scope(event.obj)
        before = event.old is not None and self._in_scope(event.old)
        if event.type == "MODIFIED":
            kind = "MODIFIED" if now and before else "ADDED" if now else "DELETED" if before else ""
        else:
            kind = event.type if now else ""
        if kind:
            self.queue.put_nowait({"type": kind, "object": event.obj})

    def bookmark(self, rv: int) -> None:
        if self.bookmarks:
            self.queue.put_nowait(self.bookmark_event(rv))

    def bookmark_event(self, rv: int, annotations: dict[str, str] | None = None) -> dict[str, Any]:
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if annotations:
            metadata["annotations"] = annotations
        obj = {"kind": self.kind, "apiVersion": self.api_version, "metadata": metadata}
        return {"type": "BOOKMARK", "object": obj}


class State:
    """Objects by resource and (namespace, name); a bounded history of events for watches."""

    def __init__(self, history: int = 1000) -> None:
        self.rv = 0
        #: watches and continue tokens from a version below this are answered 410 Gone
        self.oldest = 0
        self._objects: dict[ResourceKey, dict[ObjectKey, dict[str, Any]]] = {}
        self._history: deque[Event] = deque()
        self._history_size = history
        self.watchers: set[Watcher] = set()

    def next_rv(self) -> int:
        self.rv += 1
        return self.rv

    def get(self, resource: ResourceKey, key: ObjectKey) -> dict[str, Any] | None:
        return self._objects.get(resource, {}).get(key)

    def items(self, resource: ResourceKey, namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects of a resource (in one namespace if given), ordered by namespace and name."""
        objects = self._objects.get(resource, {})
        keys = sorted(k for k in objects if namespace is None or k[0] == namespace)
        return [objects[k] for k in keys]

    def all_in_namespace(self, namespace: str) -> Iterator[tuple[ResourceKey, dict[str, Any]]]:
        for resource, objects in list(self._objects.items()):
            for key, obj in list(objects.items()):
                if key[0] == namespace:
                    yield resource, obj

    def _record(self, event: Event) -> None:
        self._history.append(event)
        while len(self._history) > self._history_size:
            dropped = self._history.popleft()
            self.oldest = dropped.rv
        for watcher in list(self.watchers):
            watcher.offer(event)

    def put(self, resource: ResourceKey, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Store ``obj`` (its resourceVersion already set) and announce ADDED or MODIFIED."""
        self._objects.setdefault(resource, {})[object_key(obj)] = obj
        rv = int(obj["metadata"]["resourceVersion"])
        self._record(Event(rv, resource, "ADDED" if old is None else "MODIFIED", obj, old))

    def remove(self, resource: ResourceKey, obj: dict[str, Any]) -> None:
        """Forget an object; ``obj`` is its final state, carrying the deletion's version."""
        self._objects.get(resource, {}).pop(object_key(obj), None)
        self._record(Event(int(obj["metadata"]["resourceVersion"]), resource, "DELETED", obj))

    def watch(
        self, watcher: Watcher, since: int | None, initial_end_bookmark: bool = False
    ) -> None:
        """Register a watcher, queueing what it missed: history after ``since``, or (without a
        version) every current object as ADDED. Raises :class:`TooOldError`."""
        if since is None:
            for obj in self.items(watcher.resource, watcher.namespace):
                if watcher.matches(obj):
                    watcher.queue.put_nowait({"type": "ADDED", "object": obj})
            if initial_end_bookmark:
                watcher.queue.put_nowait(
                    watcher.bookmark_event(self.rv, {"k8s.io/initial-events-end": "true"})
                )
        else:
            if since < self.oldest:
                raise TooOldError(since, self.oldest)
            for event in self._history:
                if event.rv > since:
                    watcher.offer(event)
        self.watchers.add(watcher)

    def unwatch(self, watcher: Watcher) -> None:
        self.watchers.discard(watcher)

    def compact(self) -> int:
        """Forget all history: a watch or continue token from an older version gets 410.

        The clock advances first, so a list made right after still yields a watchable version.
        """
        self.oldest = self.next_rv()
        self._history.clear()
        return self.oldest

    def bookmark(self) -> None:
        for watcher in list(self.watchers):
            watcher.bookmark(self.rv)
