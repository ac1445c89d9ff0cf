"""LIST without selectors splices stored bytes: its body is byte for byte the body of the
decoding path (every item decoded, then the whole list encoded)."""

from __future__ import annotations

import json

from microkube_apiserver.registry.context import Target
from microkube_apiserver.registry.reads import list_json, list_objects
from microkube_apiserver.registry.versions import ListParams
from microkube_apiserver.server.responses import encode

CM = "/api/v1/namespaces/default/configmaps"


async def _fill(client, apiserver) -> None:
    bodies = [
        {"metadata": {"name": "a", "labels": {"app": "web"}}, "data": {"k": "v"}},
        {"metadata": {"name": "b", "annotations": {"x": '"metadata":{"y":1}'}}},
        {"metadata": {"name": "c"}, "data": {"u": "ü ✓\n", "brace": "}\n}"}},
    ]
    for body in bodies:
        assert (await client.post(CM, body)).status == 201
    # A value written before the end-of-metadata mark existed: plain compact JSON.
    legacy = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}, "data": {}}
    raw = json.dumps(legacy, separators=(",", ":")).encode()
    await apiserver.storage.create("/registry/core/configmaps/default/d", raw)


def _target(apiserver, namespace: str = "default") -> Target:
    resource = apiserver.api.resource("", "configmaps")
    assert resource is not None
    return Target(resource, namespace)


async def test_spliced_list_is_the_decoded_then_encoded_list(client, apiserver):
    await _fill(client, apiserver)
    for params in (
        ListParams(),
        ListParams(limit=2),
        ListParams(label_selector="app=web"),
        ListParams(field_selector="metadata.name!=b"),
    ):
        spliced = await list_json(apiserver.api, _target(apiserver), params)
        decoded = await list_objects(apiserver.api, _target(apiserver), params)
        assert spliced == encode(decoded), params
    everywhere = _target(apiserver, namespace="")
    assert await list_json(apiserver.api, everywhere, ListParams()) == encode(
        await list_objects(apiserver.api, everywhere, ListParams())
    )


async def test_list_answer_carries_each_item_s_resource_version(client, apiserver):
    await _fill(client, apiserver)
    reply = await client.get(CM)
    assert reply.status == 200
    items = reply.body["items"]
    assert [i["metadata"]["name"] for i in items] == ["a", "b", "c", "d"]
    for item in items:
        got = await client.get(f"{CM}/{item['metadata']['name']}")
        assert got.body == item
    assert items[2]["data"] == {"u": "ü ✓\n", "brace": "}\n}"}
    page = await client.get(CM, params={"limit": "3"})
    assert page.body["items"] == items[:3]
    assert page.body["metadata"]["remainingItemCount"] == 1
