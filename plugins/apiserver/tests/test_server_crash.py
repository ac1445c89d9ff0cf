"""Crash safety through the API server: ``microkube apiserver`` (sqlite) is SIGKILLed while 32
connections fire 1,000 creates; after a restart on the same data directory every acknowledged
(201) object is there, whole, and nothing else but whole objects that were being written."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import aiohttp

TOTAL = 1000
CONNECTIONS = 32
KILL_AFTER = 300  # acknowledged creates before the SIGKILL: the rest are in flight or unsent
CM = "/api/v1/namespaces/default/configmaps"


def configmap(index: int) -> dict[str, Any]:
    """Object ``index`` as sent: its data is derived from its name, so any object found after
    the crash can be checked whole against what was meant."""
    name = f"crash-{index:04d}"
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"test": "crash"}},
        "data": {"digest": digest, "payload": digest * 16},
    }


async def _fire(url: str, killed: asyncio.Event, kill: Any) -> dict[str, dict[str, Any]]:
    """Create all objects over ``CONNECTIONS`` connections; call ``kill()`` once
    ``KILL_AFTER`` creates are acknowledged. Returns the acknowledged objects by name."""
    acknowledged: dict[str, dict[str, Any]] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(TOTAL):
        queue.put_nowait(index)
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = configmap(queue.get_nowait())
            try:
                async with session.post(url + CM, json=body) as response:
                    answer = await response.json()
            except (TimeoutError, aiohttp.ClientError, ValueError):
                continue  # the server died under this request: not acknowledged
            if response.status == 201:
                acknowledged[body["metadata"]["name"]] = answer
                if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    kill()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONNECTIONS)))
    return acknowledged


async def test_sigkill_during_concurrent_creates_loses_no_acknowledged_write(
    tmp_path, start_server
):
    server = start_server(tmp_path)
    killed = asyncio.Event()
    acknowledged = await _fire(server.url, killed, server.kill)
    assert killed.is_set()
    assert server.process.returncode == -9
    assert KILL_AFTER <= len(acknowledged) < TOTAL  # the kill did land mid-run

    restarted = start_server(tmp_path)
    query = {"labelSelector": "test=crash"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(restarted.url + CM, params=query) as reply,
    ):
        assert reply.status == 200
        listed = json.loads(await reply.text())["items"]
    found = {item["metadata"]["name"]: item for item in listed}
    missing = sorted(set(acknowledged) - set(found))
    assert missing == []
    for name, item in found.items():
        sent = configmap(int(name.removeprefix("crash-")))
        assert item["data"] == sent["data"], name  # whole: every byte of the payload
        assert item["metadata"]["labels"] == sent["metadata"]["labels"]
        if name in acknowledged:
            ack = acknowledged[name]["metadata"]
            assert item["metadata"]["uid"] == ack["uid"]
            assert item["metadata"]["resourceVersion"] == ack["resourceVersion"]
    # Objects beyond the acknowledged ones can only be those whose answer the kill cut off.
    assert len(found) - len(acknowledged) <= CONNECTIONS
