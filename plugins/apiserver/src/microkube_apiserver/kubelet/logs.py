"""``pods/log``: the kubelet's ``/containerLogs`` answer streamed through as it comes
(``follow=true`` keeps both connections open until the kubelet or the client ends)."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from yarl import URL

from microkube_apiserver import errors
from microkube_apiserver.kubelet.location import KubeletLocation
from microkube_apiserver.kubelet.transport import MAX_ERROR_BODY, backend_error, insecure_tls

__all__ = ["CONNECT_SECONDS", "stream_logs"]

log = logging.getLogger(__name__)

#: How long connecting to a kubelet may take (the stream itself has no time limit).
CONNECT_SECONDS = 10.0


async def stream_logs(
    request: web.BaseRequest, location: KubeletLocation | None, pod_name: str
) -> web.StreamResponse:
    """Relay the log; a pod not on a node yet has an empty log, as kube-apiserver answers."""
    response = web.StreamResponse(status=200)
    response.content_type = "text/plain"
    if location is None:
        await response.prepare(request)
        await response.write_eof()
        return response
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_SECONDS)
    connector = aiohttp.TCPConnector(ssl=insecure_tls())
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        try:
            # The query is already encoded as upstream encodes it: send it unchanged.
            upstream = await session.get(URL(location.url, encoded=True), allow_redirects=False)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise errors.ApiError(
                500, "", f'Get "{location.url}": {exc or type(exc).__name__}'
            ) from None
        async with upstream:
            if not 200 <= upstream.status <= 206:
                body = await upstream.content.read(MAX_ERROR_BODY)
                raise backend_error(upstream.status, body, pod_name)
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
            except aiohttp.ClientPayloadError as exc:
                # The kubelet broke off mid-stream: what was sent stands, the answer just ends.
                log.info("log stream of %s ended early: %s", pod_name, exc)
    await response.write_eof()
    return response
