"""A create answers with its stored bytes spliced at the new resourceVersion: byte for byte
what encoding the answered object gives."""

from __future__ import annotations

import json

from microkube_apiserver.registry.context import Target, WriteOptions
from microkube_apiserver.registry.create import create
from microkube_apiserver.server.responses import encode

BODIES = [
    ("configmaps", {"metadata": {"name": "a"}, "data": {"u": "ü ✓\n", "q": '"metadata":{'}}),
    ("configmaps", {"metadata": {"generateName": "gen-", "labels": {"x": "y"}}}),
    ("pods", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
    ("services", {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}),
    ("namespaces", {"metadata": {"name": "team"}}),
]


async def test_create_answers_with_the_bytes_of_its_body(apiserver, client):
    api = apiserver.api
    for manager in ("", "tests"):
        for plural, body in BODIES:
            resource = api.resource("", plural)
            assert resource is not None
            namespace = "default" if resource.namespaced else ""
            body = json.loads(json.dumps(body))
            if manager and "name" in body["metadata"]:
                body["metadata"]["name"] += "-2"
            result = await create(
                api, Target(resource, namespace), body, WriteOptions(field_manager=manager)
            )
            assert result.encoded is not None
            assert result.encoded == encode(result.body)
            reply = await client.get(
                f"/api/v1/{plural}" if not namespace else f"/api/v1/namespaces/{namespace}/{plural}"
            )
            assert result.body in reply.body["items"]
    dry = await create(
        api,
        Target(api.resource("", "configmaps"), "default"),
        {"metadata": {"name": "d"}},
        WriteOptions(dry_run=True),
    )
    assert dry.encoded is None


async def test_http_create_answer_is_the_object_read_back(client):
    reply = await client.post(
        "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}, "data": {"u": "ü"}}
    )
    assert reply.status == 201
    assert reply.text.encode() == encode(reply.body)
    assert (await client.get("/api/v1/namespaces/default/configmaps/x")).body == reply.body
