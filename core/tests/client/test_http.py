"""HttpClient against small raw HTTP/1.1 servers: framing, keep-alive, streaming, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from microkube.client.errors import RequestTimeoutError, TransportError
from microkube.client.http import HttpClient, encode_query

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """Answers each request with the handler's bytes; counts connections and requests."""

    def __init__(self, respond: Callable[[bytes, int], bytes | None]) -> None:
        self.respond = respond
        self.connections = 0
        self.heads: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length) if length else b""
                self.heads.append(head + body)
                answer = self.respond(head, len(self.heads))
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if answer.startswith(b"HTTP/1.0"):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def ok(body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra.encode(), body)


def chunked(*chunks: bytes) -> bytes:
    out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    for chunk in chunks:
        out += b"%x\r\n%s\r\n" % (len(chunk), chunk)
    return out + b"0\r\n\r\n"


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[..., HttpClient]]:
    made: list[HttpClient] = []

    def make(url: str, **kwargs: object) -> HttpClient:
        made.append(HttpClient(url, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def test_content_length_and_keep_alive_reuse(client_for) -> None:
    async with RawServer(lambda head, n: ok(b'{"n": %d}' % n)) as server:
        client = client_for(server.url)
        for n in (1, 2, 3):
            response = await client.request("GET", "/x")
            assert response.status == 200 and response.json() == {"n": n}
        assert server.connections == 1


async def test_request_head_has_defaults_auth_and_body(client_for) -> None:
    async with RawServer(lambda head, n: ok(b"{}")) as server:
        client = client_for(server.url + "/prefix", auth=lambda: "Bearer abc")
        await client.request(
            "POST",
            "/things",
            query={"a": "x y", "b": True, "c": None},
            body=b'{"k":1}',
            headers={"Content-Type": "application/json"},
        )
        sent = server.heads[0].decode()
        assert sent.startswith("POST /prefix/things?a=x%20y&b=true HTTP/1.1\r\n")
        assert f"Host: 127.0.0.1:{server.port}\r\n" in sent
        assert "User-Agent: microkube/" in sent and "Accept: application/json" in sent
        assert "Authorization: Bearer abc" in sent and "Content-Length: 7" in sent
        assert sent.endswith('{"k":1}')


async def test_chunked_and_until_close_bodies(client_for) -> None:
    def respond(head: bytes, n: int) -> bytes:
        if n == 1:
            return chunked(b'{"a":', b"1}")
        return b"HTTP/1.0 200 OK\r\n\r\nuntil-close"

    async with RawServer(respond) as server:
        client = client_for(server.url)
        assert (await client.request("GET", "/")).json() == {"a": 1}
        assert (await client.request("GET", "/")).body == b"until-close"


async def test_stream_reads_lines_across_chunks(client_for) -> None:
    body = chunked(b'{"type":"ADDED"}\n{"ty', b'pe":"MODIFIED"}\n', b"\n", b'{"type":"DELETED"}')
    async with RawServer(lambda head, n: body) as server:
        client = client_for(server.url)
        async with client.stream("GET", "/watch") as response:
            lines = [line async for line in response.iter_lines()]
        assert lines == [b'{"type":"ADDED"}', b'{"type":"MODIFIED"}', b'{"type":"DELETED"}']
        await client.request("GET", "/again")  # a fully read stream returns its connection
        assert server.connections == 1


async def test_stale_keep_alive_connection_is_retried_once(client_for) -> None:
    # The server answers and then closes although it did not say so: the next request on that
    # connection must transparently go out on a new one.
    async with RawServer(lambda head, n: None if n == 2 else ok(b"%d" % n)) as server:
        client = client_for(server.url)
        assert (await client.request("GET", "/")).body == b"1"
        assert (await client.request("DELETE", "/")).body == b"3"
        assert server.connections == 2


async def test_broken_body_is_a_transport_error(client_for) -> None:
    truncated = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"

    async with RawServer(lambda head, n: truncated if n == 1 else None) as server:
        client = client_for(server.url)

        async def closing_request() -> None:
            await client.request("GET", "/")

        task = asyncio.create_task(closing_request())
        await asyncio.sleep(0.05)
        # The raw server keeps the connection; cut it so the short body becomes an error.
        for conn in list(client._busy):
            conn.writer.transport.abort()
        with pytest.raises(TransportError):
            await task


async def test_timeout_and_connection_refused(client_for) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}", timeout=0.1)
    with pytest.raises(RequestTimeoutError, match=r"no answer within 0\.1s"):
        await client.request("GET", "/")
    server.close()
    await server.wait_closed()
    with pytest.raises(TransportError, match="connect to"):
        await client_for(f"http://127.0.0.1:{port}").request("GET", "/")


async def test_idle_pool_is_bounded(client_for, wait_until) -> None:
    gate = asyncio.Event()
    handlers_done: list[asyncio.StreamWriter] = []

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await gate.wait()
                writer.write(ok(b"x"))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()
            handlers_done.append(writer)

    server = await asyncio.start_server(slow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}", max_idle=2)
    requests = [asyncio.create_task(client.request("GET", "/")) for _ in range(5)]
    await asyncio.sleep(0.05)
    gate.set()
    assert all(r.body == b"x" for r in await asyncio.gather(*requests))
    assert len(client._idle) == 2
    await client.close()  # the pool closes what it kept; the rest were closed at release
    server.close()
    await wait_until(lambda: len(handlers_done) == 5)


def test_encode_query() -> None:
    assert encode_query({"labelSelector": "app in (a,b)", "watch": True, "x": None}) == (
        "labelSelector=app%20in%20%28a%2Cb%29&watch=true"
    )
    assert encode_query([("a", 1), ("a", 2)]) == "a=1&a=2"
    assert encode_query(None) == ""


def test_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError, match="not an http"):
        HttpClient("ftp://example")
