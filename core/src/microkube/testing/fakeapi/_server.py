"""``FakeApiServer``: a real HTTP/1.1 server on loopback speaking enough Kubernetes REST for the
client, in memory, with error injection, request recording and ways to break watches."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from microkube.client.api import ApiClient
from microkube.client.kubeconfig import ClientConfig, config_from_kubeconfig, make_kubeconfig
from microkube.client.resources import BUILTIN, Resource, ResourceTable
from microkube.selectors import SelectorError, field_matcher, label_matcher
from microkube.testing.fakeapi import _discovery
from microkube.testing.fakeapi._rest import Rest, StatusError, bad_request
from microkube.testing.fakeapi._state import State, TooOldError, Watcher, resource_key

log = logging.getLogger(__name__)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_UNSET: Any = object()


@attrs.frozen
class ServerTLS:
    """TLS for the fake server: its certificate and key files, the CA's PEM for kubeconfigs,
    and optionally a CA file whose client certificates it accepts as credentials."""

    cert_file: str
    key_file: str
    ca_pem: str
    client_ca_file: str | None = None


@attrs.frozen
class RecordedRequest:
    """One request as the server received it (headers keyed by lower-case name)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@attrs.define
class _Failure:
    method: str
    prefix: str
    code: int
    reason: str
    message: str
    retry_after: int | None
    remaining: int


class _NotFound(StatusError):
    def __init__(self) -> None:
        super().__init__(404, "NotFound", "the server could not find the requested resource")


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        line = await reader.readuntil(b"\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    method, target, _version = line.decode("latin-1").split()
    headers: dict[str, str] = {}
    while (raw := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        while await reader.readuntil(b"\r\n") != b"\r\n":
            pass
        body = b"".join(parts)
    elif length := int(headers.get("content-length") or 0):
        body = await reader.readexactly(length)
    return method, target, headers, body


class FakeApiServer:
    """An in-memory Kubernetes API server on ``127.0.0.1`` (an ephemeral port) for tests.

    Serves discovery, CRUD with optimistic concurrency, selectors, paging, watches with a
    bounded history (``compact()`` forces 410), bookmarks, merge and JSON patches, and the
    ``status``, ``scale``, ``binding`` and ``eviction`` subresources. With ``token`` (and/or
    a client CA in ``tls``) every request must authenticate.

    ``async with FakeApiServer() as server: api = server.api_client()``.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        tls: ServerTLS | None = None,
        resources: Iterable[Resource] = BUILTIN,
        history: int = 1000,
        bookmark_interval: float = 60.0,
        namespaces: Iterable[str] = DEFAULT_NAMESPACES,
    ) -> None:
        self.token = token
        self.tls = tls
        self.resources = ResourceTable(resources)
        self.bookmark_interval = bookmark_interval
        self.state = State(history)
        self.rest = Rest(self.state)
        #: every request received, in order
        self.requests: list[RecordedRequest] = []
        self._failures: list[_Failure] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._watch_writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        for name in namespaces:
            self.create_object(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            )

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port (see :attr:`url`)."""
        ctx = None
        if self.tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            if self.tls.client_ca_file:
                ctx.verify_mode = ssl.CERT_OPTIONAL
                ctx.load_verify_locations(self.tls.client_ca_file)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ctx)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every connection."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> FakeApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- for tests ----------------------------------------------------------------------

    def kubeconfig(
        self,
        *,
        token: str | None = _UNSET,
        namespace: str = "default",
        client_cert_pem: str | bytes | None = None,
        client_key_pem: str | bytes | None = None,
    ) -> dict[str, Any]:
        """A kubeconfig dict for this server (the server's own token unless one is given)."""
        return make_kubeconfig(
            self.url,
            name="fake",
            namespace=namespace,
            token=self.token if token is _UNSET else token,
            ca_data=self.tls.ca_pem if self.tls else None,
            client_cert_data=client_cert_pem,
            client_key_data=client_key_pem,
        )

    def client_config(self, **kwargs: Any) -> ClientConfig:
        """The :class:`ClientConfig` of :meth:`kubeconfig` (same arguments)."""
        return config_from_kubeconfig(self.kubeconfig(**kwargs))

    def api_client(self, **kwargs: Any) -> ApiClient:
        """An :class:`~microkube.client.ApiClient` for this server (kubeconfig arguments)."""
        return ApiClient(self.client_config(**kwargs))

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        code: int,
        reason: str | None = None,
        *,
        times: int = 1,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` requests of ``method`` (``*`` = any) whose path starts
        with ``path_prefix`` with a failure Status (and a Retry-After header if given)."""
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
        self._failures.append(
            _Failure(
                method.upper(),
                path_prefix,
                code,
                reason if reason is not None else phrase.replace(" ", ""),
                message or f"injected failure: {code} {phrase}",
                retry_after,
                times,
            )
        )

    def drop_watches(self) -> int:
        """Cut every open watch connection mid-stream; returns how many were cut."""
        writers = list(self._watch_writers)
        for writer in writers:
            writer.transport.abort()
        return len(writers)

    @property
    def watch_count(self) -> int:
        """Open watch streams."""
        return len(self.state.watchers)

    def compact(self) -> int:
        """Forget the event history: watches and continue tokens from before now get 410."""
        return self.state.compact()

    def send_bookmarks(self) -> None:
        """Send a BOOKMARK now on every watch that allows them."""
        self.state.bookmark()

    @property
    def resource_version(self) -> str:
        return str(self.state.rv)

    def create_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create an object directly (no HTTP, no auth): for seeding a test's world."""
        resource = self.resources.for_object(obj)
        namespace = (obj.get("metadata") or {}).get("namespace") or "default"
        return self.rest.create(resource, namespace if resource.namespaced else None, obj, {})[1]

    def delete_object(
        self, resource: Resource | str, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        """Delete an object directly (no HTTP): e.g. behind a dropped watch's back."""
        res = resource if isinstance(resource, Resource) else self.resources.lookup(resource)
        return self.rest.delete(
            res, (namespace or "default") if res.namespaced else None, name, {}
        )[1]

    def get_object(
        self, resource: Resource | str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        res = resource if isinstance(resource, Resource) else self.resources.lookup(resource)
        key = ((namespace or "default") if res.namespaced else "", name)
        return self.state.get(resource_key(res), key)

    def list_objects(
        self, resource: Resource | str, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        res = resource if isinstance(resource, Resource) else self.resources.lookup(resource)
        return self.state.items(resource_key(res), namespace)

    # -- HTTP ---------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            while (request := await _read_request(reader)) is not None:
                if not await self._handle(*request, reader, writer):
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        code: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        lines = [
            f"HTTP/1.1 {code} {HTTPStatus(code).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
        await writer.drain()

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method in ("*", method) and path.startswith(failure.prefix):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _authenticated(self, headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        client_ca = self.tls is not None and self.tls.client_ca_file
        if self.token is None and not client_ca:
            return True
        if self.token is not None and headers.get("authorization") == f"Bearer {self.token}":
            return True
        return bool(client_ca and writer.get_extra_info("peercert"))

    async def _handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        self.requests.append(RecordedRequest(method, path, query, headers, body))
        failure = self._take_failure(method, path)
        if failure is not None:
            status = StatusError(failure.code, failure.reason, failure.message).status
            extra = {}
            if failure.retry_after is not None:
                extra["Retry-After"] = str(failure.retry_after)
                status["details"] = {"retryAfterSeconds": failure.retry_after}
            await self._send(writer, failure.code, status, extra)
            return True
        if not self._authenticated(headers, writer):
            error = StatusError(401, "Unauthorized", "Unauthorized")
            await self._send(writer, 401, error.status)
            return True
        try:
            answer = self._route(method, path, query, headers, body)
        except StatusError as exc:
            await self._send(writer, exc.code, exc.status)
            return True
        except Exception as exc:
            log.exception("fake API server: %s %s failed", method, target)
            error = StatusError(500, "InternalError", f"Internal error occurred: {exc}")
            await self._send(writer, 500, error.status)
            return True
        if isinstance(answer, Watcher):
            await self._stream_watch(answer, query, reader, writer)
            return False
        code, payload = answer
        await self._send(writer, code, payload)
        return headers.get("connection", "").lower() != "close"

    # -- routing ------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any] | Watcher:
        path = path.rstrip("/") or "/"
        simple = {
            "/version": _discovery.VERSION,
            "/api": _discovery.api_versions(),
            "/apis": _discovery.api_group_list(self.resources),
        }
        if path in simple and method == "GET":
            return 200, simple[path]
        if path in ("/healthz", "/livez", "/readyz") and method == "GET":
            return 200, "ok"
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if segments[0] == "api" and len(segments) >= 2:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[0] == "apis" and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise _NotFound()
        group_version = f"{group}/{version}" if group else version
        if not rest:
            document = _discovery.resource_list(group_version, self.resources)
            if document is None or method != "GET":
                raise _NotFound()
            return 200, document
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            inner = self.resources.find(rest[2], group_version)
            if inner is not None and inner.namespaced and inner.plural == rest[2]:
                namespace, rest = rest[1], rest[2:]
        resource = self.resources.find(rest[0], group_version)
        if resource is None or resource.plural != rest[0] or len(rest) > 3:
            raise _NotFound()
        if resource.namespaced and namespace is None and len(rest) > 1:
            raise _NotFound()
        body = _parse_body(raw, method)
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        content_type = headers.get("content-type", "application/json")
        rest_api = self.rest
        if name is None:
            if method == "GET":
                if query.get("watch") in ("true", "1"):
                    return self._watcher(resource, namespace, query)
                return 200, rest_api.list(resource, namespace, query)
            if method == "POST":
                if resource.namespaced and namespace is None:
                    raise _NotFound()
                return rest_api.create(resource, namespace, body, query)
            if method == "DELETE":
                return rest_api.delete_collection(
                    resource, namespace, query, _delete_options(body, query)
                )
        elif sub is None or (sub == "finalize" and resource.plural == "namespaces"):
            if method == "GET" and sub is None:
                return rest_api.get(resource, namespace, name)
            if method == "PUT":
                return rest_api.update(resource, namespace, name, body, query)
            if method == "PATCH" and sub is None:
                return rest_api.patch(resource, namespace, name, body, content_type, query)
            if method == "DELETE" and sub is None:
                return rest_api.delete(resource, namespace, name, _delete_options(body, query))
        elif sub not in resource.subresources:
            raise _NotFound()
        elif sub == "status":
            if method == "GET":
                return rest_api.get(resource, namespace, name)
            if method == "PUT":
                return rest_api.update(resource, namespace, name, body, query, "status")
            if method == "PATCH":
                return rest_api.patch(
                    resource, namespace, name, body, content_type, query, "status"
                )
        elif sub == "scale" and method in ("GET", "PUT", "PATCH"):
            return rest_api.scale(resource, namespace, name, method, body, content_type, query)
        elif sub == "binding" and method == "POST":
            return rest_api.bind(namespace, name, body, resource)
        elif sub == "eviction" and method == "POST":
            return rest_api.evict(namespace, name, body, resource)
        raise StatusError(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )

    # -- watches ------------------------------------------------------------------------

    def _watcher(self, resource: Resource, namespace: str | None, query: dict[str, str]) -> Watcher:
        try:
            labels = label_matcher(query.get("labelSelector"))
            fields = field_matcher(query.get("fieldSelector"))
        except SelectorError as exc:
            raise bad_request(str(exc)) from None
        return Watcher(
            resource=resource_key(resource),
            namespace=namespace,
            matches=lambda obj: labels(obj) and fields(obj),
            bookmarks=query.get("allowWatchBookmarks") in ("true", "1"),
            kind=resource.kind,
            api_version=resource.api_version,
        )

    async def _stream_watch(
        self,
        watcher: Watcher,
        query: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        loop = asyncio.get_running_loop()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )

        def send(event: dict[str, Any]) -> None:
            line = json.dumps(event, separators=(",", ":")).encode() + b"\n"
            writer.write(b"%x\r\n%s\r\n" % (len(line), line))

        rv = query.get("resourceVersion") or "0"
        try:
            since = None if rv == "0" else int(rv)
            self.state.watch(watcher, since, query.get("sendInitialEvents") == "true")
        except (TooOldError, ValueError) as exc:
            code, reason = (410, "Expired") if isinstance(exc, TooOldError) else (400, "BadRequest")
            send({"type": "ERROR", "object": StatusError(code, reason, str(exc)).status})
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return
        timeout = float(query.get("timeoutSeconds") or 0)
        deadline = loop.time() + timeout if timeout > 0 else None
        self._watch_writers.add(writer)
        closed = asyncio.ensure_future(reader.read(1))  # the client hanging up ends the watch
        try:
            while True:
                wait = self.bookmark_interval
                if deadline is not None:
                    wait = min(wait, deadline - loop.time())
                    if wait <= 0:
                        break
                getter = asyncio.ensure_future(watcher.queue.get())
                done, _ = await asyncio.wait(
                    {getter, closed}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                    if closed in done:
                        return
                    if deadline is not None and loop.time() >= deadline:
                        break
                    if watcher.bookmarks and watcher.queue.empty():
                        send(watcher.bookmark_event(self.state.rv))
                        await writer.drain()
                    continue
                event = getter.result()
                if event is None:
                    break
                send(event)
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        finally:
            closed.cancel()
            self.state.unwatch(watcher)
            self._watch_writers.discard(writer)


def _parse_body(raw: bytes, method: str) -> Any:
    if not raw or method in ("GET", "HEAD"):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("couldn't get version/kind; json parse error") from None


def _delete_options(body: Any, query: dict[str, str]) -> dict[str, Any]:
    options = dict(body) if isinstance(body, dict) else {}
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    if "gracePeriodSeconds" in query:
        options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
    if query.get("dryRun"):
        options["dryRun"] = [query["dryRun"]]
    return options
