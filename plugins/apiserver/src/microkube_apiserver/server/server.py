"""The HTTP listener: start serving an application on an address, stop it."""

from __future__ import annotations

import ssl

from aiohttp import web

__all__ = ["HttpServer"]


class HttpServer:
    """Serves ``app`` on ``host:port`` (port 0 picks a free one; see :attr:`port`), over TLS
    when given an ``ssl_context``."""

    def __init__(
        self, app: web.Application, host: str, port: int, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._ssl = ssl_context
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        # handler_cancellation: a watch whose client went away is cancelled, not leaked.
        self._runner = web.AppRunner(
            self._app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self._host, self._port, reuse_address=True, ssl_context=self._ssl
        )
        await site.start()
        addresses = self._runner.addresses
        if addresses:
            self.port = addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
