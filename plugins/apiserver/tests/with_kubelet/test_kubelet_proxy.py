"""pods/log, exec, attach and portforward proxied to a (fake) kubelet, with the real kubectl."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest


@pytest.fixture
async def cluster(microkube_cluster, kubelet, helpers):
    cluster = await microkube_cluster("apiserver")
    await helpers.register_node(cluster.client(), "node-1", kubelet.port)
    return cluster


def _server(cluster) -> str:
    config = json.loads(cluster.kubeconfig.read_text())
    return config["clusters"][0]["cluster"]["server"]


def _session(cluster) -> aiohttp.ClientSession:
    """A raw HTTP client speaking TLS as the cluster's admin."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=cluster.ssl_context()))


async def test_kubectl_logs_goes_to_the_kubelet_with_upstream_query(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    result = await cluster.kubectl("logs", "web", "--tail=5", "--timestamps", "--since=1h")
    assert result.stdout == "hello from main\nsecond line\n"
    method, path, _ = kubelet.requests[-1]
    assert method == "GET"
    assert path == "/containerLogs/default/web/main?sinceSeconds=3600&tailLines=5&timestamps=true"


async def test_logs_follow_streams_until_the_client_leaves(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    url = f"{_server(cluster)}/api/v1/namespaces/default/pods/web/log?follow=true"
    async with _session(cluster) as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        lines = [await response.content.readline() for _ in range(6)]
    assert lines[:3] == [b"hello from main\n", b"second line\n", b"tick 1\n"]
    assert lines[5] == b"tick 4\n"


async def test_log_container_choice_and_errors(cluster, kubelet, helpers):
    api = cluster.client()
    await helpers.create_pod(api, "two", "node-1", ("a", "b"))
    await helpers.create_pod(
        api,
        "annotated",
        "node-1",
        ("a", "b"),
        annotations={"kubectl.kubernetes.io/default-container": "b"},
    )
    await helpers.create_pod(api, "pending", None)
    await helpers.create_pod(api, "waits", "node-1", ("waiting",))
    base = f"{_server(cluster)}/api/v1/namespaces/default/pods"
    async with _session(cluster) as session:

        async def get(path: str) -> tuple[int, str]:
            async with session.get(f"{base}/{path}") as response:
                return response.status, await response.text()

        status, text = await get("two/log")
        assert status == 400
        assert json.loads(text)["message"] == (
            "a container name must be specified for pod two, choose one of: [a b]"
        )
        status, text = await get("two/log?container=zzz")
        assert (status, json.loads(text)["message"]) == (
            400,
            "container zzz is not valid for pod two",
        )
        assert await get("annotated/log") == (200, "hello from b\nsecond line\n")
        assert await get("pending/log") == (200, "")
        status, text = await get("nothere/log")
        assert status == 404 and json.loads(text)["message"] == 'pods "nothere" not found'
        status, text = await get("waits/log")
        assert status == 400
        assert json.loads(text)["message"] == (
            'container "waiting" in pod "waits" is waiting to start'
        )
        status, text = await get("two/log?container=a&tailLines=x")
        assert status == 400
        status, text = await get("two/log?container=a&limitBytes=0")
        assert status == 422 and "limitBytes" in json.loads(text)["message"]


async def test_kubectl_exec_runs_through_the_websocket_proxy(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    result = await cluster.kubectl("exec", "web", "--", "echo", "hello", "world")
    assert result.stdout == "hello world\n"
    method, path, headers = kubelet.requests[-1]
    assert method == "GET"
    assert (
        path == "/exec/default/web/main?command=echo&command=hello&command=world&error=1&output=1"
    )
    assert headers["Upgrade"].lower() == "websocket"
    assert "v5.channel.k8s.io" in headers["Sec-WebSocket-Protocol"]


async def test_kubectl_exec_pipes_stdin_and_reports_exit_codes(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    piped = await cluster.kubectl("exec", "-i", "web", "--", "cat", input="one\ntwo\n")
    assert piped.stdout == "one\ntwo\n"
    failed = await cluster.kubectl("exec", "web", "--", "fail", check=False)
    assert failed.returncode == 3
    assert "failing" in failed.stderr
    assert "command terminated with exit code 3" in failed.stderr


async def test_exec_errors_before_reaching_a_kubelet(cluster, kubelet, helpers):
    api = cluster.client()
    await helpers.create_pod(api, "pending", None)
    await helpers.create_pod(api, "two", "node-1", ("a", "b"))
    result = await cluster.kubectl("exec", "pending", "--", "echo", check=False)
    assert "pod pending does not have a host assigned" in result.stderr
    base = f"{_server(cluster)}/api/v1/namespaces/default/pods"
    async with _session(cluster) as session:
        async with session.post(f"{base}/two/exec?command=ls&stdout=true") as response:
            assert response.status == 400
            assert (await response.json())["message"] == (
                "a container name must be specified for pod two, choose one of: [a b]"
            )
        async with session.put(f"{base}/two/exec?command=ls") as response:
            assert response.status == 405


async def test_non_upgrade_answers_of_the_kubelet_are_relayed(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    url = f"{_server(cluster)}/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true"
    headers = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}
    async with _session(cluster) as session, session.post(url, headers=headers) as response:
        assert response.status == 400
        assert await response.text() == "fake kubelet: only websocket streams"


async def test_kubectl_attach_reaches_the_kubelet(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    result = await cluster.kubectl("attach", "web")
    assert "attached" in result.stdout
    assert kubelet.requests[-1][1].startswith("/attach/default/web/main?")


async def test_portforward_bytes_are_spliced_both_ways(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    url = f"{_server(cluster)}/api/v1/namespaces/default/pods/web/portforward?ports=8080"
    protocols = ("SPDY/3.1+portforward.k8s.io",)
    async with (
        _session(cluster) as session,
        session.ws_connect(url, protocols=protocols) as ws,
    ):
        assert ws.protocol == "SPDY/3.1+portforward.k8s.io"
        payload = bytes(range(256)) * 400
        await ws.send_bytes(payload)
        message = await asyncio.wait_for(ws.receive(), 30)
        assert message.data == payload[::-1]
    assert kubelet.requests[-1][1] == "/portForward/default/web?port=8080"


async def test_unreachable_kubelet_is_an_error_status(cluster, kubelet, helpers):
    await helpers.create_pod(cluster.client(), "web", "node-1")
    await kubelet.stop()
    result = await cluster.kubectl("logs", "web", check=False)
    assert result.returncode != 0
    assert "containerLogs/default/web/main" in result.stderr
    url = f"{_server(cluster)}/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true"
    async with _session(cluster) as session, session.post(url) as response:
        assert response.status == 500
        assert (await response.json())["message"].startswith("error dialing backend")


async def test_spdy_upgrade_is_spliced_raw(cluster, kubelet, helpers):
    """kubectl's SPDY fallback: a POST with ``Upgrade: SPDY/3.1``, answered 101 by the
    kubelet, then raw bytes both ways."""
    await helpers.create_pod(cluster.client(), "web", "node-1")
    host, port = _server(cluster).removeprefix("https://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), ssl=cluster.ssl_context())
    try:
        writer.write(
            b"POST /api/v1/namespaces/default/pods/web/exec?command=reverse&stdout=true "
            b"HTTP/1.1\r\n"
            b"Host: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
            b"X-Stream-Protocol-Version: v5.channel.k8s.io\r\n"
            b"X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n"
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        assert head.startswith(b"HTTP/1.1 101 ")
        assert b"X-Stream-Protocol-Version: v5.channel.k8s.io" in head
        for chunk in (b"abc", bytes(range(200)) * 50):
            writer.write(chunk)
            received = await asyncio.wait_for(reader.readexactly(len(chunk)), 30)
            assert received == chunk[::-1]
    finally:
        writer.close()
    method, path, headers = kubelet.requests[-1]
    assert (method, path) == ("POST", "/exec/default/web/main?command=reverse&output=1")
    assert headers["Upgrade"] == "SPDY/3.1"
