"""Watch responses: chunked JSON lines, one event each, until timeout or disconnect.

Errors before the first byte are ordinary Status answers; once streaming, an error becomes an
``ERROR`` event carrying the Status, as kube-apiserver sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

from microkube_apiserver.errors import ApiError, internal_error
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.versions import ListParams
from microkube_apiserver.server.output import Output
from microkube_apiserver.watch import watch_events

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
    events = watch_events(api, target, params, bookmark_interval=api.options.bookmark_interval)
    await response.prepare(request)
    try:
        async with contextlib.aclosing(events), asyncio.timeout(duration):
            try:
                async for event in events:
                    if encoder is not None and event["type"] != "BOOKMARK":
                        event = encoder.encode(event["type"], event["object"])
                    await response.write(json.dumps(event, separators=(",", ":")).encode() + b"\n")
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


async def _write_error(response: web.StreamResponse, error: ApiError) -> None:
    line = json.dumps({"type": "ERROR", "object": error.status()}, separators=(",", ":"))
    with contextlib.suppress(ConnectionError):
        await response.write(line.encode() + b"\n")
