"""One watch stream: ``{"type": ..., "object": ...}`` lines read as they arrive."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from microkube.client.errors import ApiError, TransportError, error_from_response, error_from_status
from microkube.client.http import HttpClient, Query, StreamResponse

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
BOOKMARK = "BOOKMARK"
ERROR = "ERROR"


class WatchEvent(NamedTuple):
    """One event: ``ADDED``, ``MODIFIED``, ``DELETED`` or ``BOOKMARK`` and its object."""

    type: str
    object: dict[str, Any]


class Watch:
    """An open watch: an async iterator of :class:`WatchEvent`, ended by the server's timeout.

    Use it as ``async with api.watch(...) as events: async for type, obj in events: ...`` (or
    iterate it directly and :meth:`close` it) so its connection is released. An ``ERROR`` event
    is raised as the :class:`ApiError` of its Status (410 ⇒ :class:`ExpiredError`); BOOKMARK
    events are yielded (they carry only a resourceVersion). :attr:`resource_version` is the
    version of the last event seen, bookmarks included: resume a watch from it.
    """

    def __init__(
        self,
        http: HttpClient,
        path: str,
        query: Query,
        *,
        what: str,
        resource_version: str | None = None,
    ) -> None:
        self._http = http
        self._path = path
        self._query = query
        self._what = what
        self._stack: contextlib.AsyncExitStack | None = None
        self._lines: AsyncIterator[bytes] | None = None
        self._closed = False
        self.resource_version: str | None = resource_version

    async def open(self) -> None:
        """Send the watch request; raises the ApiError if the server refuses it."""
        if self._lines is not None or self._closed:
            return
        stack = contextlib.AsyncExitStack()
        try:
            response: StreamResponse = await stack.enter_async_context(
                self._http.stream("GET", self._path, query=self._query)
            )
            if response.status != 200:
                body = await response.read()
                raise error_from_response(
                    response.status,
                    body,
                    f"watch {self._what}: HTTP {response.status}",
                    response.headers.get("Retry-After"),
                )
        except BaseException:
            await stack.aclose()
            self._closed = True
            raise
        self._stack = stack
        self._lines = response.iter_lines()

    async def close(self) -> None:
        """Stop watching and release the connection."""
        self._closed = True
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def __aenter__(self) -> Watch:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> WatchEvent:
        if self._lines is None:
            if self._closed:
                raise StopAsyncIteration
            await self.open()
        assert self._lines is not None
        try:
            line = await self._lines.__anext__()
        except StopAsyncIteration:
            await self.close()
            raise
        except BaseException:
            await self.close()
            raise
        try:
            event = json.loads(line)
            kind, obj = event["type"], event.get("object") or {}
        except (ValueError, KeyError, TypeError) as exc:
            await self.close()
            raise TransportError(f"watch {self._what}: bad event line {line[:80]!r}") from exc
        if kind == ERROR:
            await self.close()
            raise _error_event(obj)
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if version:
            self.resource_version = version
        return WatchEvent(kind, obj)


def _error_event(obj: dict[str, Any]) -> ApiError:
    if obj.get("kind") == "Status" or "code" in obj:
        return error_from_status(obj)
    return error_from_status({"message": f"watch error: {obj!r}", "code": 500})
