"""Watch events decoded lazily and encoded once per server: every watcher still gets exactly
the events and bytes of the path that decoded and encoded each event per watcher."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from microkube_apiserver.registry.context import Target
from microkube_apiserver.server.catalogue import served_catalogue
from microkube_apiserver.store import codec
from microkube_apiserver.store.shared_lines import SharedLines
from microkube_apiserver.watch import _translate

from microkube.contracts.storage import EventType, KeyValue, WatchEvent

CM = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def _reference(event: WatchEvent, predicate: Any) -> dict[str, Any] | None:
    """The per-watcher translation before events were lazy (decodes new and previous)."""
    if event.type is EventType.DELETE:
        if event.prev_kv is None:
            return None
        old = codec.decode_at(event.prev_kv.value, event.kv.mod_revision)
        return {"type": "DELETED", "object": old} if predicate is None or predicate(old) else None
    new = codec.decode(event.kv)
    old = codec.decode(event.prev_kv) if event.prev_kv is not None else None
    if predicate is None:
        return {"type": "MODIFIED" if old is not None else "ADDED", "object": new}
    if predicate(new):
        return {
            "type": "MODIFIED" if old is not None and predicate(old) else "ADDED",
            "object": new,
        }
    if old is not None and predicate(old):
        old["metadata"]["resourceVersion"] = str(event.kv.mod_revision)
        return {"type": "DELETED", "object": old}
    return None


def _kv(color: str, revision: int) -> KeyValue:
    obj = {"kind": "ConfigMap", "metadata": {"name": "a", "labels": {"color": color}}}
    return KeyValue(key="/k/a", value=codec.encode(obj), create_revision=1, mod_revision=revision)


CONFIGMAPS = Target(next(r for r in served_catalogue() if r.plural == "configmaps"))


def _is_red(obj: dict[str, Any]) -> bool:
    return obj["metadata"]["labels"]["color"] == "red"


def test_translation_matches_decoding_every_event():
    red1, blue2, red3 = _kv("red", 1), _kv("blue", 2), _kv("red", 3)
    tombstone = KeyValue(key="/k/a", value=b"", create_revision=1, mod_revision=4)
    events = [
        WatchEvent(type=EventType.PUT, kv=red1),
        WatchEvent(type=EventType.PUT, kv=blue2, prev_kv=red1),
        WatchEvent(type=EventType.PUT, kv=red3, prev_kv=blue2),
        WatchEvent(type=EventType.PUT, kv=red3, prev_kv=red1),
        WatchEvent(type=EventType.PUT, kv=blue2, prev_kv=blue2),
        WatchEvent(type=EventType.DELETE, kv=tombstone, prev_kv=red3),
        WatchEvent(type=EventType.DELETE, kv=tombstone, prev_kv=blue2),
        WatchEvent(type=EventType.DELETE, kv=tombstone),
    ]
    for predicate in (None, _is_red):
        for event in events:
            got = _translate(CONFIGMAPS, event, predicate)
            expected = _reference(event, predicate)
            assert (got.as_dict() if got is not None else None) == expected, (event, predicate)
            if got is not None:
                assert got.line_key == ("/k/a", event.kv.mod_revision, expected["type"])


def test_without_a_selector_nothing_is_decoded_until_asked():
    event = _translate(
        CONFIGMAPS, WatchEvent(type=EventType.PUT, kv=_kv("red", 2), prev_kv=_kv("x", 1)), None
    )
    assert event is not None and event.type == "MODIFIED" and event.decoded is None
    assert event.object["metadata"]["resourceVersion"] == "2"


def test_shared_lines_keep_the_newest():
    lines = SharedLines(size=2)
    for n in range(3):
        lines.put(("k", n, "ADDED"), b"%d" % n)
    assert len(lines) == 2
    assert lines.get(("k", 0, "ADDED")) is None
    assert lines.get(("k", 2, "ADDED")) == b"2"


async def _watch(session, url: str, count: int, **kw: Any) -> list[bytes]:
    params = {"watch": "true", "resourceVersion": "0", **kw.pop("params", {})}
    async with session.get(url, params=params, **kw) as response:
        assert response.status == 200
        return [await response.content.readline() for _ in range(count)]


async def test_every_watcher_gets_the_bytes_of_its_own_encoding(client, apiserver):
    for name in ("a", "b"):
        body = {"metadata": {"name": name, "labels": {"color": "red"}}}
        body["data"] = {"u": "ü ✓", "del": "\x7f"}  # non-ASCII: escaped on watch lines
        assert (await client.post(CM, body)).status == 201
    url = apiserver.url + CM
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        watches = [
            asyncio.ensure_future(_watch(session, url, 5)),
            asyncio.ensure_future(_watch(session, url, 5)),
            asyncio.ensure_future(_watch(session, url, 4, params={"labelSelector": "color=red"})),
            asyncio.ensure_future(_watch(session, url, 5, headers={"Accept": TABLE})),
        ]
        await asyncio.sleep(0.3)
        patch = {"metadata": {"labels": {"color": "blue"}}}
        assert (await client.patch(f"{CM}/a", patch)).status == 200
        assert (await client.patch(f"{CM}/b", {"data": {"n": "1"}})).status == 200
        assert (await client.delete(f"{CM}/b")).status == 200
        first, second, selected, table = await asyncio.gather(*watches)
    assert first == second
    for line in first + selected:
        assert line == json.dumps(json.loads(line), separators=(",", ":")).encode() + b"\n"
    plain = [json.loads(line) for line in first]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in plain] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("MODIFIED", "b"),
        ("DELETED", "b"),
    ]
    assert plain[0]["object"]["data"] == {"u": "ü ✓", "del": "\x7f"}
    assert [json.loads(line)["type"] for line in selected] == [
        "ADDED",
        "ADDED",
        "DELETED",
        "MODIFIED",
    ]
    # the selected watch's events that the plain watches also sent are the same bytes
    assert selected[0] == first[0] and selected[1] == first[1] and selected[3] == first[3]
    tables = [json.loads(line) for line in table]
    assert tables[0]["object"]["kind"] == "Table" and tables[0]["object"]["columnDefinitions"]
    assert all(t["object"].get("columnDefinitions") is None for t in tables[1:])
    assert len(apiserver.api.watch_lines) >= 5
