"""The kubelet server's endpoints, with upstream's paths, query parameters and errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from microkube.contracts.runtime import (
    ContainerRuntime,
    ContainerState,
    ExecSession,
    NotFoundError,
    RuntimeError_,
)
from microkube.spdy.session import SpdySession
from microkube_kubelet.server import (
    channels,
    exec_streams,
    portforward,
    resource_metrics,
    spdy_transport,
)
from microkube_kubelet.server.channels import ChannelSocket
from microkube_kubelet.server.directory import ContainerRef, PodDirectory, PodRef
from microkube_kubelet.server.exec_streams import (
    SpdyCommandStreams,
    WebSocketCommandStreams,
    collect_spdy_streams,
)
from microkube_kubelet.server.http11 import HttpConnection, HttpError, Request
from microkube_kubelet.server.log_options import LogOptions
from microkube_kubelet.server.log_reader import read_logs
from microkube_kubelet.server.remotecommand import run_session
from microkube_kubelet.server.stats import StatsProvider
from microkube_kubelet.server.websocket import (
    WebSocket,
    check_handshake,
    choose_subprotocol,
    is_websocket_request,
)

log = logging.getLogger(__name__)


class Handlers:
    def __init__(
        self, runtime: ContainerRuntime, directory: PodDirectory, stats: StatsProvider
    ) -> None:
        self.runtime = runtime
        self.directory = directory
        self.stats = stats

    # -- lookups --------------------------------------------------------------------------

    def pod(self, namespace: str, name: str, uid: str = "") -> PodRef:
        pod = self.directory.find_pod(namespace, name)
        if pod is None or (uid and pod.uid != uid):
            raise HttpError(404, f'pod "{name}" does not exist\n')
        return pod

    def container(self, pod: PodRef, name: str, *, previous: bool = False) -> ContainerRef:
        if name not in pod.containers:
            raise HttpError(404, f'container "{name}" not found in pod "{pod.name}"\n')
        ref = self.directory.find_container(pod.namespace, pod.name, name, previous=previous)
        if ref is None:
            if previous:
                raise HttpError(
                    400, f'previous terminated container "{name}" in pod "{pod.name}" not found'
                )
            raise HttpError(
                400,
                f'container "{name}" in pod "{pod.name}" is waiting to start: ContainerCreating',
            )
        return ref

    # -- simple endpoints ------------------------------------------------------------------

    async def pods(self, conn: HttpConnection) -> None:
        items = []
        for pod in self.directory.pods():
            items.append(
                {
                    "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                    "spec": {"containers": [{"name": name} for name in pod.containers]},
                    "status": {
                        "containerStatuses": [
                            {
                                "name": ref.name,
                                "containerID": ref.container_id,
                                "ready": ref.running,
                                "restartCount": 0,
                                "image": "",
                                "imageID": "",
                            }
                            for ref in pod.containers.values()
                        ]
                    },
                }
            )
        await conn.respond_json(
            200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}
        )

    async def summary(self, conn: HttpConnection) -> None:
        await conn.respond_json(200, await self.stats.summary())

    async def resource_metrics(self, conn: HttpConnection) -> None:
        await conn.respond(200, await self.stats.resource_metrics(), resource_metrics.CONTENT_TYPE)

    # -- logs ---------------------------------------------------------------------------

    async def container_logs(
        self, request: Request, conn: HttpConnection, namespace: str, name: str, container: str
    ) -> None:
        options = LogOptions.from_query(request.query)
        pod = self.pod(namespace, name)
        ref = self.container(pod, container, previous=options.previous)

        async def is_running() -> bool:
            if options.previous:
                return False
            try:
                status = await self.runtime.container_status(ref.container_id)
            except RuntimeError_:
                return False
            return status.state in (ContainerState.RUNNING, ContainerState.CREATED)

        chunks = read_logs(ref.log_path, options, is_running=is_running)
        await conn.start_stream(200, "text/plain")
        if not options.follow:
            async for chunk in chunks:
                await conn.write(chunk)
            await conn.end_stream()
            return

        async def pump() -> None:
            async for chunk in chunks:
                await conn.write(chunk)
            await conn.end_stream()

        conn.hijacked = True  # the client's side is watched for its hang-up
        sending = asyncio.create_task(pump())
        gone = asyncio.create_task(conn.client_gone())
        try:
            await asyncio.wait({sending, gone}, return_when=asyncio.FIRST_COMPLETED)
            if sending.done():
                sending.result()
        finally:
            for task in (sending, gone):
                task.cancel()
            await asyncio.gather(sending, gone, return_exceptions=True)
            await chunks.aclose()

    # -- exec / attach ---------------------------------------------------------------------

    async def remote_command(
        self,
        request: Request,
        conn: HttpConnection,
        pod: PodRef,
        container: str,
        *,
        attach: bool,
    ) -> None:
        stdin = request.flag("input", "stdin")
        stdout = request.flag("output", "stdout")
        stderr = request.flag("error", "stderr")
        tty = request.flag("tty")
        if tty:
            stderr = False  # a terminal has one output stream
        command = request.params("command")
        if not attach and not command:
            raise HttpError(400, "you must specify at least one command for the container")
        if not (stdin or stdout or stderr):
            raise HttpError(400, "you must specify at least 1 of stdin, stdout, stderr")
        ref = self.container(pod, container)
        websocket = is_websocket_request(request)
        if websocket:
            check_handshake(request)
            protocol = choose_subprotocol(request, channels.REMOTECOMMAND_PROTOCOLS)
        elif spdy_transport.is_spdy_request(request):
            protocol = spdy_transport.negotiate(request, exec_streams.SPDY_REMOTECOMMAND_PROTOCOLS)
        else:
            raise HttpError(400, "Upgrade request required")
        session = await self._start(ref, command, stdin=stdin, tty=tty, attach=attach)
        argv = command if not attach else []
        try:
            if websocket:
                ws = await WebSocket.accept(conn, request, [protocol])
                streams = WebSocketCommandStreams(ChannelSocket(ws))
                await run_session(
                    session, streams, argv=argv, stdin=stdin, report_exit_code=not attach
                )
                return
            wanted = {exec_streams.STREAM_ERROR}
            if stdin:
                wanted.add(exec_streams.STREAM_STDIN)
            if stdout:
                wanted.add(exec_streams.STREAM_STDOUT)
            if stderr:
                wanted.add(exec_streams.STREAM_STDERR)
            if tty and not protocol.startswith("v2."):
                wanted.add(exec_streams.STREAM_RESIZE)

            async def handle(spdy: SpdySession) -> None:
                try:
                    found = await collect_spdy_streams(spdy, wanted)
                except HttpError as exc:
                    log.info("exec in %s/%s: %s", pod.namespace, pod.name, exc.message)
                    await spdy.go_away()
                    return
                streams = SpdyCommandStreams(spdy, found, protocol)
                await run_session(
                    session, streams, argv=argv, stdin=stdin, report_exit_code=not attach
                )

            reader, writer, trailing = await spdy_transport.upgrade(conn, protocol)
            await spdy_transport.serve_raw(reader, writer, trailing, handle)
        finally:
            if stdin:
                with contextlib.suppress(Exception):
                    await session.close_stdin()

    async def _start(
        self, ref: ContainerRef, command: list[str], *, stdin: bool, tty: bool, attach: bool
    ) -> ExecSession:
        try:
            if attach:
                return await self.runtime.attach(ref.container_id, stdin=stdin, tty=tty)
            return await self.runtime.exec(ref.container_id, command, stdin=stdin, tty=tty)
        except NotFoundError:
            raise HttpError(404, f'container not found ("{ref.name}")') from None
        except RuntimeError_ as exc:
            raise HttpError(500, str(exc)) from exc

    # -- port-forward ------------------------------------------------------------------------

    async def port_forward(self, request: Request, conn: HttpConnection, pod: PodRef) -> None:
        if is_websocket_request(request):
            protocol = choose_subprotocol(
                request, (portforward.TUNNEL_PROTOCOL, *channels.PORTFORWARD_PROTOCOLS)
            )
            if protocol == portforward.TUNNEL_PROTOCOL:
                ws = await WebSocket.accept(conn, request, [protocol])
                await spdy_transport.serve_tunnelled(
                    ws, lambda spdy: portforward.serve_spdy(spdy, self.runtime, pod)
                )
                return
            ports = portforward.parse_ports(request)
            ws = await WebSocket.accept(conn, request, [protocol])
            await portforward.serve_websocket(ChannelSocket(ws), self.runtime, pod, ports)
            return
        if spdy_transport.is_spdy_request(request):
            protocol = spdy_transport.negotiate(request, [portforward.SPDY_PROTOCOL])
            reader, writer, trailing = await spdy_transport.upgrade(conn, protocol)
            await spdy_transport.serve_raw(
                reader,
                writer,
                trailing,
                lambda spdy: portforward.serve_spdy(spdy, self.runtime, pod),
            )
            return
        raise HttpError(400, "Upgrade request required")


def split_path(path: str) -> list[str]:
    return [part for part in path.split("/") if part]
