"""``/containerLogs``: the CRI log file read with kubectl's options, over real HTTPS."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp
import pytest
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.cri_logs import format_timestamp, parse_record
from microkube_kubelet.server.directory import ContainerRef
from microkube_kubelet.server.http11 import HttpError
from microkube_kubelet.server.log_options import LogOptions
from microkube_kubelet.server.testing import StaticPodDirectory, run_pod

from microkube.testing.fakes.runtime import FakeRuntime


class Kubelet:
    def __init__(self, tmp_path: Path) -> None:
        self.runtime = FakeRuntime()
        self.directory = StaticPodDirectory()
        self.logs = tmp_path / "logs"
        self.server = KubeletServer(
            self.runtime, self.directory, node_name="node-a", port=0, cert_dir=tmp_path / "pki"
        )

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"


@pytest.fixture
async def kubelet(tmp_path: Path):
    k = Kubelet(tmp_path)
    await k.server.start()
    k.pod = await run_pod(k.runtime, k.directory, k.logs)
    k.main = k.pod.containers["main"]
    k.http = aiohttp.ClientSession()
    yield k
    await k.http.close()
    await k.server.stop()
    await k.runtime.close()


def write_raw(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        for line in lines:
            out.write(line + "\n")


async def get(k: Kubelet, query: str = "", container: str = "main") -> tuple[int, str]:
    url = f"{k.base}/containerLogs/default/web/{container}{query}"
    async with k.http.get(url, ssl=False) as response:
        return response.status, await response.text()


async def test_plain_read_strips_the_cri_prefix(kubelet: Kubelet) -> None:
    kubelet.runtime.write_log(kubelet.main.container_id, b"one\ntwo\n")
    kubelet.runtime.write_log(kubelet.main.container_id, b"oops\n", stream="stderr")
    assert await get(kubelet) == (200, "one\ntwo\noops\n")


async def test_partial_lines_are_joined(kubelet: Kubelet) -> None:
    write_raw(
        kubelet.main.log_path,
        "2026-01-01T00:00:00.100000000Z stdout P hel",
        "2026-01-01T00:00:00.200000000Z stderr F err",
        "2026-01-01T00:00:00.300000000Z stdout P lo ",
        "2026-01-01T00:00:00.400000000Z stdout F world",
    )
    assert await get(kubelet) == (200, "err\nhello world\n")
    # A joined line carries its first part's timestamp, RFC3339Nano without trailing zeros.
    assert await get(kubelet, "?timestamps=true") == (
        200,
        "2026-01-01T00:00:00.2Z err\n2026-01-01T00:00:00.1Z hello world\n",
    )


async def test_tail_timestamps_and_limit_bytes(kubelet: Kubelet) -> None:
    write_raw(
        kubelet.main.log_path,
        *(f"2026-01-01T00:00:0{i}.000000000Z stdout F line {i}" for i in range(5)),
    )
    assert await get(kubelet, "?tailLines=2") == (200, "line 3\nline 4\n")
    assert await get(kubelet, "?tailLines=0") == (200, "")
    assert await get(kubelet, "?tailLines=1&timestamps=true") == (
        200,
        "2026-01-01T00:00:04Z line 4\n",
    )
    assert await get(kubelet, "?limitBytes=9") == (200, "line 0\nli")


async def test_since_time_and_since_seconds(kubelet: Kubelet) -> None:
    write_raw(
        kubelet.main.log_path,
        "2026-01-01T00:00:00Z stdout F old",
        "2026-01-01T00:00:10.5+00:00 stdout F newer",
    )
    kubelet.runtime.write_log(kubelet.main.container_id, b"now\n")
    assert await get(kubelet, "?sinceTime=2026-01-01T00:00:05Z") == (200, "newer\nnow\n")
    assert await get(kubelet, "?sinceSeconds=60") == (200, "now\n")


async def test_stream_selects_stdout_or_stderr(kubelet: Kubelet) -> None:
    kubelet.runtime.write_log(kubelet.main.container_id, b"out\n")
    kubelet.runtime.write_log(kubelet.main.container_id, b"err\n", stream="stderr")
    assert await get(kubelet, "?stream=Stderr") == (200, "err\n")
    assert await get(kubelet, "?stream=Stdout") == (200, "out\n")


async def test_errors_as_upstream(kubelet: Kubelet) -> None:
    assert await get(kubelet, container="nope") == (
        404,
        'container "nope" not found in pod "web"\n',
    )
    url = f"{kubelet.base}/containerLogs/default/ghost/main"
    async with kubelet.http.get(url, ssl=False) as response:
        assert (response.status, await response.text()) == (404, 'pod "ghost" does not exist\n')
    assert await get(kubelet, "?previous=true") == (
        400,
        'previous terminated container "main" in pod "web" not found',
    )
    status, body = await get(kubelet, "?tailLines=-1")
    assert status == 422 and "tailLines" in body
    status, body = await get(kubelet, "?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z")
    assert status == 422 and "at most one of `sinceTime` or `sinceSeconds`" in body
    status, body = await get(kubelet, "?tailLines=ten")
    assert status == 400 and "tailLines" in body


async def test_previous_reads_the_attempt_before(kubelet: Kubelet, tmp_path: Path) -> None:
    old = tmp_path / "old.log"
    write_raw(old, "2026-01-01T00:00:00Z stdout F from the first attempt")
    kubelet.directory.set_previous(
        "default",
        "web",
        ContainerRef(name="main", container_id="dead", log_path=old, running=False),
    )
    assert await get(kubelet, "?previous=true") == (200, "from the first attempt\n")
    # follow on a previous attempt ends at the end of its file
    assert await get(kubelet, "?previous=true&follow=true") == (200, "from the first attempt\n")


async def read_until(response: aiohttp.ClientResponse, want: bytes, within: float = 30) -> bytes:
    got = b""
    deadline = time.monotonic() + within
    while want not in got:
        left = deadline - time.monotonic()
        assert left > 0, f"did not see {want!r}; got {got!r}"
        chunk = await asyncio.wait_for(response.content.readany(), left)
        assert chunk, f"stream ended before {want!r}; got {got!r}"
        got += chunk
    return got


async def test_follow_streams_appends_and_rotation_until_the_container_ends(
    kubelet: Kubelet,
) -> None:
    runtime, cid, path = kubelet.runtime, kubelet.main.container_id, kubelet.main.log_path
    runtime.write_log(cid, b"first\n")
    url = f"{kubelet.base}/containerLogs/default/web/main?follow=true&tailLines=1"
    async with kubelet.http.get(url, ssl=False) as response:
        assert response.status == 200
        assert await read_until(response, b"first\n") == b"first\n"
        runtime.write_log(cid, b"second\n")
        assert await read_until(response, b"second\n") == b"second\n"
        # A partial line waits for its end.
        write_raw(path, "2026-01-01T00:00:00Z stdout P half ")
        write_raw(path, "2026-01-01T00:00:01Z stdout F whole")
        assert await read_until(response, b"whole\n") == b"half whole\n"
        # Rotation: the kubelet renames the file and the runtime starts a new one.
        write_raw(path, "2026-01-01T00:00:02Z stdout F last words of the old file")
        os.rename(path, path.with_name("0.log.20260101-000003"))
        runtime.write_log(cid, b"in the new file\n")
        got = await read_until(response, b"in the new file\n")
        assert got.index(b"last words") < got.index(b"in the new file")
        runtime.exit_container(cid, 0)
        rest = await asyncio.wait_for(response.content.read(), 30)
        assert rest == b""  # the stream ended once the container did


async def test_follow_across_copy_and_truncate_rotation(kubelet: Kubelet) -> None:
    """The kubelet's rotation copies the live file aside and truncates it in place."""
    runtime, cid, path = kubelet.runtime, kubelet.main.container_id, kubelet.main.log_path
    runtime.write_log(cid, b"one\n")
    url = f"{kubelet.base}/containerLogs/default/web/main?follow=true"
    async with kubelet.http.get(url, ssl=False) as response:
        assert await read_until(response, b"one\n") == b"one\n"
        # Written after the reader's last look, then rotated away before the next one.
        write_raw(path, "2026-01-01T00:00:00Z stdout F two")
        with path.open("r+b") as live:
            path.with_name("0.log.20260101-000001").write_bytes(live.read())
            live.truncate(0)
        runtime.write_log(cid, b"three, a longer line than everything before it\n")
        got = await read_until(response, b"three")
        assert got.startswith(b"two\nthree")
        runtime.write_log(cid, b"four\n")
        assert await read_until(response, b"four\n") == b"four\n"


async def test_follow_stops_when_the_client_leaves(kubelet: Kubelet) -> None:
    url = f"{kubelet.base}/containerLogs/default/web/main?follow=true"
    kubelet.runtime.write_log(kubelet.main.container_id, b"hello\n")
    async with kubelet.http.get(url, ssl=False) as response:
        await read_until(response, b"hello\n")
        response.close()  # hang up mid-stream
    # The server notices and ends that connection (no follower left polling the file).
    deadline = time.monotonic() + 30
    while kubelet.server._connections:
        assert time.monotonic() < deadline, "the follow connection was never closed"
        await asyncio.sleep(0.05)
    assert (await get(kubelet))[0] == 200


def test_cri_record_parsing() -> None:
    record = parse_record(b"2026-01-01T00:00:00.5+01:00 stderr P a b c\n")
    assert (record.stream, record.partial, record.content) == ("stderr", True, b"a b c")
    assert record.time_ns == 1767222000_500000000
    assert parse_record(b"2026-01-01T00:00:00Z stdout F ").content == b""
    assert format_timestamp(b"2026-01-01T00:00:00.120000000Z") == b"2026-01-01T00:00:00.12Z"
    assert format_timestamp(b"2026-01-01T00:00:00.000000000Z") == b"2026-01-01T00:00:00Z"


def test_log_options_validation() -> None:
    options = LogOptions.from_query(
        {"follow": ["true"], "tailLines": ["3"], "sinceSeconds": ["10"]}, now=100.0
    )
    assert options.follow and options.tail_lines == 3 and options.since_ns == 90_000_000_000
    with pytest.raises(HttpError) as error:
        LogOptions.from_query({"limitBytes": ["0"]})
    assert error.value.status == 422
    with pytest.raises(HttpError) as error:
        LogOptions.from_query({"follow": ["maybe"]})
    assert error.value.status == 400
