"""The kubelet's HTTPS server (port 10250): what the API server proxies ``pods/log``,
``pods/exec``, ``pods/attach`` and ``pods/portforward`` to, and where resource usage is read.

Paths as upstream's ``pkg/kubelet/server``: ``/healthz``, ``/pods``,
``/containerLogs/{ns}/{pod}/{container}``, ``/exec|attach/{ns}/{pod}[/{uid}]/{container}``,
``/portForward/{ns}/{pod}[/{uid}]``, ``/stats/summary`` and ``/metrics/resource``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl

from microkube.contracts.runtime import ContainerRuntime
from microkube_kubelet.server.certs import ensure_serving_cert, server_ssl_context
from microkube_kubelet.server.directory import PodDirectory
from microkube_kubelet.server.handlers import Handlers, split_path
from microkube_kubelet.server.http11 import HttpConnection, HttpError, Request
from microkube_kubelet.server.stats import StatsProvider

log = logging.getLogger(__name__)

_STREAMING = ("GET", "POST")


class KubeletServer:
    """Serves one node's pods over HTTPS with a self-signed certificate kept in ``cert_dir``.
    ``port=0`` binds an ephemeral port; :attr:`port` is the bound one after :meth:`start`.
    With ``client_ca_file`` only clients with a certificate from that CA are served (as the
    kubelet's ``--client-ca-file``); without it anyone who reaches the address is, so the
    default address is the loopback."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        directory: PodDirectory,
        *,
        node_name: str,
        address: str = "127.0.0.1",
        port: int = 10250,
        cert_dir: str | os.PathLike[str],
        stats_interval: float = 10.0,
        client_ca_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.node_name = node_name
        self.client_ca_file = client_ca_file
        self.address = address
        self.port = port
        self.cert_dir = cert_dir
        self.stats = StatsProvider(
            runtime, directory, node_name=node_name, fs_path=str(cert_dir), interval=stats_interval
        )
        self._handlers = Handlers(runtime, directory, self.stats)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._server is not None:
            return
        cert, key = await asyncio.to_thread(
            ensure_serving_cert, self.cert_dir, self.node_name, self.address
        )
        context: ssl.SSLContext = server_ssl_context(cert, key, self.client_ca_file)
        self._server = await asyncio.start_server(
            self._serve_client, self.address, self.port, ssl=context
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.stats.start()
        log.info("kubelet server listening on https://%s:%d", self.address, self.port)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self.stats.stop()
        with contextlib.suppress(Exception):
            await self._server.wait_closed()
        self._server = None

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        conn = HttpConnection(reader, writer)
        try:
            while (request := await conn.next_request()) is not None:
                await self._dispatch(request, conn)
                if not conn.reusable:
                    break
                conn.next_cycle()
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            # stop() ends connections by cancelling them; a connection task is a top-level
            # task of asyncio.start_server, so ending quietly is ending for good.
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _dispatch(self, request: Request, conn: HttpConnection) -> None:
        try:
            await self._route(request, conn)
        except HttpError as exc:
            if not conn.responded:
                await conn.respond(exc.status, exc.message)
        except (ConnectionError, OSError, ssl.SSLError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("kubelet server: %s %s failed", request.method, request.path)
            if not conn.responded:
                await conn.respond(500, "Internal Server Error\n")
            conn.hijacked = True

    async def _route(self, request: Request, conn: HttpConnection) -> None:
        parts = split_path(request.path)
        h = self._handlers
        head = parts[0] if parts else ""
        if request.path in ("/healthz", "/healthz/"):
            self._method(request, ("GET",))
            await conn.respond(200, "ok")
        elif request.path in ("/pods", "/pods/"):
            self._method(request, ("GET",))
            await h.pods(conn)
        elif request.path in ("/stats/summary", "/stats/summary/"):
            self._method(request, ("GET", "POST"))
            await h.summary(conn)
        elif request.path == "/metrics/resource":
            self._method(request, ("GET",))
            await h.resource_metrics(conn)
        elif head == "containerLogs" and len(parts) == 4:
            self._method(request, ("GET",))
            await h.container_logs(request, conn, parts[1], parts[2], parts[3])
        elif head in ("exec", "attach") and len(parts) in (4, 5):
            self._method(request, _STREAMING)
            pod = h.pod(parts[1], parts[2], parts[3] if len(parts) == 5 else "")
            await h.remote_command(request, conn, pod, parts[-1], attach=head == "attach")
        elif head == "portForward" and len(parts) in (3, 4):
            self._method(request, _STREAMING)
            pod = h.pod(parts[1], parts[2], parts[3] if len(parts) == 4 else "")
            await h.port_forward(request, conn, pod)
        else:
            raise HttpError(404, "404 page not found\n")

    @staticmethod
    def _method(request: Request, allowed: tuple[str, ...]) -> None:
        if request.method not in allowed:
            raise HttpError(405, f"method {request.method} not allowed\n")
