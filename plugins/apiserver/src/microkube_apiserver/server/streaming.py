"""Watch responses: chunked JSON lines, one event each, until timeout or disconnect.

Errors before the first byte are ordinary Status answers; once streaming, an error becomes an
``ERROR`` event carrying the Status, as kube-apiserver sends it.

Plain JSON lines about stored objects are encoded once per server and shared by every watch
(``api.watch_lines``); Table watches encode their own (the first event carries the headers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

from microkube_apiserver.errors import ApiError, internal_error
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.versions import ListParams
from microkube_apiserver.server.output import Output
from microkube_apiserver.store.shared_lines import SharedLines
from microkube_apiserver.tables import TableWatchEncoder
from microkube_apiserver.watch import Event, watch_events

__all__ = ["stream_watch"]

log = logging.getLogger(__name__)


async def stream_watch(
    request: web.BaseRequest,
    api: Api,
    target: Target,
    params: ListParams,
    output: Output,
    duration: float,
) -> web.StreamResponse:
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.enable_chunked_encoding()
    encoder = output.watch_encoder()
    shared = api.watch_lines if encoder is None else None
    events = watch_events(api, target, params, bookmark_interval=api.options.bookmark_interval)
    await response.prepare(request)
    try:
        async with contextlib.aclosing(events), asyncio.timeout(duration):
            try:
                async for event in events:
                    await response.write(_line(event, encoder, shared))
            except ApiError as exc:
                await _write_error(response, exc)
    except TimeoutError:
        pass
    except (ConnectionResetError, ConnectionError):
        return response
    except Exception as exc:  # the stream is open: report, do not raise into aiohttp
        log.exception("watch of %s failed", target.prefix)
        await _write_error(response, internal_error(str(exc)))
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


def _line(event: Event, encoder: TableWatchEncoder | None, shared: SharedLines | None) -> bytes:
    """The event's line: a Table event for a Table watch (not BOOKMARKs), else plain JSON,
    taken from ``shared`` when another watch already encoded it."""
    if encoder is not None and event.type != "BOOKMARK":
        return _encode(encoder.encode(event.type, event.object))
    key = event.line_key if shared is not None else None
    if key is None:
        return _encode(event.as_dict())
    assert shared is not None
    line = shared.get(key)
    if line is None:
        line = _encode(event.as_dict())
        shared.put(key, line)
    return line


async def _write_error(response: web.StreamResponse, error: ApiError) -> None:
    line = json.dumps({"type": "ERROR", "object": error.status()}, separators=(",", ":"))
    with contextlib.suppress(ConnectionError):
        await response.write(line.encode() + b"\n")
