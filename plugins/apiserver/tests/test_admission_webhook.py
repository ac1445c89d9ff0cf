"""Admission webhooks called over real HTTPS (a server this test runs, with its own CA):
rules and selectors, denials with Kubernetes' message, JSONPatch mutations, timeouts under
both failure policies."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import tempfile
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from microkube_apiserver.pki.certs import issue, make_ca

PODS = "/api/v1/namespaces/default/pods"
ADMISSION = "/apis/admissionregistration.k8s.io/v1"


class Hooks:
    """The test's webhook server: what it answers, and what it was asked."""

    def __init__(self) -> None:
        self.asked: list[dict] = []
        self.url = ""
        self.port = 0
        self.ca_bundle = ""

    async def review(self, request: web.Request) -> web.Response:
        review = await request.json()
        self.asked.append(review["request"])
        uid = review["request"]["uid"]
        obj = review["request"]["object"] or {}
        name = (obj.get("metadata") or {}).get("name", "")
        response: dict = {"uid": uid, "allowed": True}
        kind = request.match_info["kind"]
        if kind == "deny" and name.startswith("bad"):
            response = {
                "uid": uid,
                "allowed": False,
                "status": {"message": f"pods named {name} are not allowed"},
            }
        elif kind == "mutate":
            patch = [{"op": "add", "path": "/metadata/labels", "value": {"mutated": "yes"}}]
            response |= {
                "patchType": "JSONPatch",
                "patch": base64.b64encode(json.dumps(patch).encode()).decode(),
            }
        elif kind == "slow":
            await asyncio.sleep(1.5)
        return web.json_response(
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
        )


@pytest.fixture
async def hooks() -> AsyncIterator[Hooks]:
    ca = make_ca("webhook-test-ca")
    serving = issue(ca, "webhook", server_names=["127.0.0.1", "hooks.default.svc"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.NamedTemporaryFile() as cert, tempfile.NamedTemporaryFile() as key:
        cert.write(serving.cert_pem)
        key.write(serving.key_pem)
        cert.flush()
        key.flush()
        context.load_cert_chain(cert.name, key.name)
    found = Hooks()
    app = web.Application()
    app.router.add_post("/{kind}", found.review)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    found.url = f"https://127.0.0.1:{port}"
    found.port = port
    found.ca_bundle = base64.b64encode(ca.cert_pem).decode()
    yield found
    await runner.cleanup()


def configuration(kind: str, hooks: Hooks, path: str, **extra) -> dict:
    webhook = {
        "name": f"{path}.example.com",
        "clientConfig": {"url": f"{hooks.url}/{path}", "caBundle": hooks.ca_bundle},
        "rules": [
            {
                "operations": ["CREATE"],
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "resources": ["pods"],
            }
        ],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        **extra,
    }
    return {"metadata": {"name": path}, "webhooks": [webhook]}


def pod(name: str, labels: dict | None = None) -> dict:
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


async def until(check, within: float = 5.0):
    for _ in range(int(within / 0.02)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def install(client, plural: str, body: dict) -> None:
    reply = await client.post(f"{ADMISSION}/{plural}", body)
    assert reply.status == 201, reply


async def test_validating_webhook_denies_with_kubernetes_message(client, hooks):
    await install(client, "validatingwebhookconfigurations", configuration("v", hooks, "deny"))

    async def denied():
        reply = await client.post(PODS, pod("bad-1"))
        return reply if reply.status != 201 else None

    reply = await until(denied)
    assert reply.status == 400
    assert reply.body["message"] == (
        'admission webhook "deny.example.com" denied the request: pods named bad-1 are not allowed'
    )
    assert (await client.post(PODS, pod("good"))).status == 201
    asked = hooks.asked[-1]
    assert asked["operation"] == "CREATE" and asked["namespace"] == "default"
    assert asked["resource"] == {"group": "", "version": "v1", "resource": "pods"}
    # not matched: another operation
    assert (await client.delete(f"{PODS}/good")).status == 200


async def test_selectors_limit_the_webhook(client, hooks):
    body = configuration("v", hooks, "deny", objectSelector={"matchLabels": {"check": "yes"}})
    await install(client, "validatingwebhookconfigurations", body)
    await until(lambda: _status(client, pod("bad-probe", {"check": "yes"}), 400))
    assert (await client.post(PODS, pod("bad-unlabelled"))).status == 201
    other = configuration("v", hooks, "deny", namespaceSelector={"matchLabels": {"env": "prod"}})
    other["metadata"]["name"] = "prod-only"
    other["webhooks"][0]["name"] = "prod.example.com"
    await install(client, "validatingwebhookconfigurations", other)
    await asyncio.sleep(0.1)
    replies = [await client.post(PODS, pod(f"bad-{i}")) for i in range(2)]
    assert [r.status for r in replies] == [201, 201]  # default is not labelled env=prod


async def _status(client, body, code):
    return (await client.post(PODS, body)).status == code


async def test_mutating_webhook_patches_the_object(client, hooks):
    await install(client, "mutatingwebhookconfigurations", configuration("m", hooks, "mutate"))

    async def mutated():
        reply = await client.post(PODS, pod(f"m-{len(hooks.asked)}"))
        assert reply.status == 201
        return reply.body["metadata"].get("labels") == {"mutated": "yes"}

    await until(mutated)


@pytest.mark.parametrize(("policy", "code"), [("Fail", 500), ("Ignore", 201)])
async def test_timeout_follows_the_failure_policy(client, hooks, policy, code):
    body = configuration("v", hooks, "slow", timeoutSeconds=1, failurePolicy=policy)
    await install(client, "validatingwebhookconfigurations", body)

    async def answered():
        before = len(hooks.asked)
        reply = await client.post(PODS, pod(f"late-{before}"))
        return reply if len(hooks.asked) > before else None  # the webhook was called

    reply = await until(answered)
    assert reply.status == code, reply
    if policy == "Fail":
        assert reply.body["message"].startswith(
            'Internal error occurred: failed calling webhook "slow.example.com": failed to '
            f'call webhook: Post "{hooks.url}/slow": context deadline exceeded'
        )


async def test_a_service_reference_reaches_the_services_endpoints(client, hooks):
    service = {"metadata": {"name": "hooks"}, "spec": {"ports": [{"port": 443}]}}
    assert (await client.post("/api/v1/namespaces/default/services", service)).status == 201
    endpoints = {
        "metadata": {"name": "hooks"},
        "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": hooks.port}]}],
    }
    assert (await client.post("/api/v1/namespaces/default/endpoints", endpoints)).status == 201
    body = configuration("v", hooks, "deny")
    body["webhooks"][0]["clientConfig"] = {
        "service": {"namespace": "default", "name": "hooks", "path": "/deny", "port": 443},
        "caBundle": hooks.ca_bundle,
    }
    await install(client, "validatingwebhookconfigurations", body)
    await until(lambda: _status(client, pod("bad-by-service"), 400))
    # reached at the address and port of the Service's endpoint
    assert hooks.asked[-1]["object"]["metadata"]["name"] == "bad-by-service"
