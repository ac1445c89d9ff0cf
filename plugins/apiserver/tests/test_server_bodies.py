"""Request bodies: JSON, YAML, protobuf; size limit; fieldValidation; malformed input is a 4xx
Status and leaves the store unchanged."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CM = "/api/v1/namespaces/default/configmaps"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"


async def store_snapshot(client) -> list:
    return (await client.get("/api/v1/configmaps")).body["items"]


async def test_yaml_body(client):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  when: 2024-01-01\n"
    reply = await client.post(CM, data=text, content_type="application/yaml")
    assert reply.status == 201, reply
    assert reply.body["data"] == {"when": "2024-01-01"}


async def test_protobuf_body_from_kubectl_create(client):
    # kubectl create configmap x --from-literal=a=b, as captured on the wire:
    # k8s\0 + runtime.Unknown{typeMeta{v1, ConfigMap}, raw=ConfigMap{metadata{name}, data}}
    def field(number: int, payload: bytes) -> bytes:
        return bytes([(number << 3) | 2, len(payload)]) + payload

    metadata = field(1, b"x")
    raw = field(1, metadata) + field(2, field(1, b"a") + field(2, b"b"))
    type_meta = field(1, b"v1") + field(2, b"ConfigMap")
    body = b"k8s\x00" + field(1, type_meta) + field(2, raw)
    reply = await client.post(CM, data=body, content_type="application/vnd.kubernetes.protobuf")
    assert reply.status == 201, reply
    assert reply.body["data"] == {"a": "b"}


async def test_bad_protobuf_is_400(client):
    reply = await client.post(
        CM, data=b"not protobuf", content_type="application/vnd.kubernetes.protobuf"
    )
    assert reply.status == 400


async def test_unknown_media_type_is_415(client):
    reply = await client.post(CM, data=b"<xml/>", content_type="application/xml")
    assert reply.status == 415
    assert reply.body["reason"] == "UnsupportedMediaType"


async def test_oversized_body_is_413(client):
    big = {"metadata": {"name": "big"}, "data": {"x": "a" * (3 * 1024 * 1024)}}
    reply = await client.post(CM, big)
    assert reply.status == 413
    assert reply.body["reason"] == "RequestEntityTooLarge"
    assert reply.body["message"] == "Request entity too large: limit is 3145728"
    assert (await client.get(f"{CM}/big")).status == 404


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{", "application/json"),
        (b'{"metadata": NaN}', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"a: [", "application/yaml"),
        (b"? [a]\n: b\n", "application/yaml"),
        (b'{"metadata": {"name": 5}}', "application/json"),
        (b'{"metadata": {"name": "x"}, "data": ["a"]}', "application/json"),
        (b'{"metadata": {"name": "x", "labels": "a"}}', "application/json"),
    ],
)
async def test_malformed_bodies_are_400_and_store_nothing(client, data, content_type):
    before = await store_snapshot(client)
    reply = await client.post(CM, data=data, content_type=content_type)
    assert reply.status == 400, reply
    assert reply.body["kind"] == "Status" and reply.body["reason"] == "BadRequest"
    assert await store_snapshot(client) == before


async def test_wrong_type_message_names_the_path(client):
    body = {"metadata": {"name": "w"}, "spec": {"replicas": "three"}}
    reply = await client.post(DEPLOY, body)
    assert reply.status == 400
    assert reply.body["message"].startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: '
    )
    assert "spec.replicas" in reply.body["message"]


async def test_field_validation_warn_is_the_default(client):
    reply = await client.post(CM, {"metadata": {"name": "w"}, "spec": {"foo": 1}, "bar": 2})
    assert reply.status == 201
    assert sorted(reply.warnings) == [
        '299 - "unknown field \\"bar\\""',
        '299 - "unknown field \\"spec\\""',
    ]
    assert "spec" not in reply.body


async def test_field_validation_strict_rejects_unknown_fields(client):
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i", "imagee": "x"}]},
            },
            "foo": 1,
        },
    }
    reply = await client.post(DEPLOY, body, params={"fieldValidation": "Strict"})
    assert reply.status == 400
    assert reply.body["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.foo"'
    )
    ignored = await client.post(DEPLOY, body, params={"fieldValidation": "Ignore"})
    assert ignored.status == 201
    assert ignored.warnings == []


async def test_invalid_field_validation_value_is_400(client):
    reply = await client.post(CM, {"metadata": {"name": "a"}}, params={"fieldValidation": "x"})
    assert reply.status == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["metadata", "name", "labels", "data", "spec", "x"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values)
async def test_random_bodies_get_a_4xx_status_or_a_valid_object(client, body):
    reply = await client.post("/api/v1/namespaces/default/secrets", data=json.dumps(body))
    assert reply.status < 500, reply
    assert reply.body is not None
    if reply.status >= 400:
        assert reply.body["kind"] == "Status"
        assert reply.body["code"] == reply.status
    else:
        await client.delete(f"/api/v1/namespaces/default/secrets/{reply.body['metadata']['name']}")


DUPLICATED = (
    b'{"metadata": {"name": "dup", "name": "dup"}, "data": {"k": "1", "k": "2"}, "bogus": true}'
)


async def test_duplicate_fields_under_strict_are_400(client):
    """Duplicates and unknown fields are listed in document order, as Kubernetes' strict JSON
    decoder meets them."""
    reply = await client.post(CM, data=DUPLICATED, params={"fieldValidation": "Strict"})
    assert reply.status == 400
    assert reply.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'duplicate field "metadata.name", duplicate field "data.k", unknown field "bogus"'
    )
    assert (await client.get(f"{CM}/dup")).status == 404


async def test_duplicate_fields_under_warn_keep_the_last_value(client):
    reply = await client.post(CM, data=DUPLICATED)
    assert reply.status == 201
    assert reply.body["data"] == {"k": "2"}
    assert reply.warnings == [
        '299 - "duplicate field \\"metadata.name\\""',
        '299 - "duplicate field \\"data.k\\""',
        '299 - "unknown field \\"bogus\\""',
    ]
    nested = b'{"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"a": "b"}},'
    nested += b' "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": '
    nested += b'[{"name": "c", "image": "x", "image": "y"}]}}}}'
    deployed = await client.post(DEPLOY, data=nested)
    assert deployed.status == 201
    assert deployed.warnings == [
        '299 - "duplicate field \\"spec.template.spec.containers[0].image\\""'
    ]
    assert deployed.body["spec"]["template"]["spec"]["containers"][0]["image"] == "y"
    ignored = await client.put(f"{CM}/dup", data=DUPLICATED, params={"fieldValidation": "Ignore"})
    assert ignored.status == 200 and ignored.warnings == []


async def test_duplicate_yaml_keys_are_reported_by_line(client):
    text = b"metadata:\n  name: y\ndata:\n  a: '1'\n  a: '2'\n"
    reply = await client.post(
        CM, data=text, content_type="application/yaml", params={"fieldValidation": "Strict"}
    )
    assert reply.status == 400
    assert reply.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'yaml: unmarshal errors:\n  line 5: key "a" already set in map'
    )
    # Under Warn the text has line breaks, which no Warning header may carry: it is dropped.
    warned = await client.post(CM, data=text, content_type="application/yaml")
    assert warned.status == 201 and warned.warnings == []
    assert warned.body["data"] == {"a": "2"}


async def test_a_body_arriving_in_pieces_is_read_whole(apiserver, client):
    # As over TLS, where a body can span records: the server must wait for all of it.
    body = json.dumps({"metadata": {"name": "pieces"}, "data": {"k": "v" * 2000}}).encode()
    url = urlsplit(apiserver.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    head = (
        f"POST {CM} HTTP/1.1\r\nHost: {url.hostname}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    writer.write(head + body[:100])
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.write(body[100:])
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] == b"201", status_line
    assert (await client.get(f"{CM}/pieces")).body["data"]["k"] == "v" * 2000
