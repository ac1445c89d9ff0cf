"""The audit log: policy levels chosen by the first matching rule; JSON-line Events in the
``audit.k8s.io/v1`` shape written by a real in-process server."""

from __future__ import annotations

import json

import pytest
from microkube_apiserver.audit.jsonlines import JsonLinesBackend
from microkube_apiserver.audit.log import Auditor
from microkube_apiserver.audit.policy import parse_policy

from microkube.config import ConfigError
from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes

POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "rules": [
        {"level": "None", "nonResourceURLs": ["/healthz*", "/version"]},
        {"level": "None", "users": ["system:kube-scheduler"]},
        {"level": "Metadata", "resources": [{"group": "", "resources": ["pods/log", "*/status"]}]},
        {
            "level": "Request",
            "verbs": ["create", "update"],
            "resources": [{"group": "", "resources": ["pods", "configmaps"]}],
        },
        {"level": "Metadata"},
    ],
}
USER = UserInfo(username="alice")


def ask(verb, resource="", sub="", path="", user=USER) -> AuthorizationAttributes:
    return AuthorizationAttributes(
        user=user,
        verb=verb,
        resource=resource,
        subresource=sub,
        resource_request=bool(resource),
        path=path,
    )


def test_first_matching_rule_sets_the_level():
    policy = parse_policy(POLICY, "test")
    assert policy.level(ask("get", path="/healthz/ready")) == "None"
    assert policy.level(ask("get", path="/apis")) == "Metadata"
    assert (
        policy.level(ask("list", "pods", user=UserInfo(username="system:kube-scheduler"))) == "None"
    )
    assert policy.level(ask("get", "pods", "log")) == "Metadata"
    assert policy.level(ask("update", "nodes", "status")) == "Metadata"
    assert policy.level(ask("create", "pods")) == "Request"
    assert policy.level(ask("delete", "pods")) == "Metadata"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"kind": "Policy", "rules": [{"level": "Everything"}]}, "level: must be one of"),
        ({"kind": "Policy", "rules": []}, "at least one rule"),
        ({"kind": "Config"}, "not an audit Policy"),
        ({"kind": "Policy", "rules": [{"level": "None", "verbs": "get"}]}, "list of strings"),
    ],
)
def test_bad_policies_name_the_problem(doc, message):
    with pytest.raises(ConfigError, match=message):
        parse_policy(doc, "test")


async def test_server_writes_events(apiserver, client, tmp_path):
    path = tmp_path / "audit" / "audit.log"
    apiserver.api.audit = Auditor(parse_policy(POLICY, "test"), [JsonLinesBackend(str(path))])
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    assert (await client.post("/api/v1/namespaces/default/pods", pod)).status == 201
    assert (await client.get("/api/v1/namespaces/default/pods/missing")).status == 404
    assert (await client.get("/version")).status == 200
    secret = {"metadata": {"name": "s"}, "data": {"k": "c2VjcmV0"}}
    assert (await client.post("/api/v1/namespaces/default/secrets", secret)).status == 201
    await apiserver.api.audit.close()
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["verb"], e["level"], e["responseStatus"]["code"]) for e in events] == [
        ("create", "Request", 201),
        ("get", "Metadata", 404),
        ("create", "Metadata", 201),
    ]
    created = events[0]
    assert created["kind"] == "Event" and created["apiVersion"] == "audit.k8s.io/v1"
    assert created["stage"] == "ResponseComplete"
    assert created["objectRef"] == {"resource": "pods", "namespace": "default"}
    assert created["requestObject"]["metadata"]["name"] == "p"
    assert created["requestURI"] == "/api/v1/namespaces/default/pods"
    assert events[1]["objectRef"]["name"] == "missing" and "requestObject" not in events[1]
    assert "c2VjcmV0" not in path.read_text()


class _Collecting:
    """A third-party audit backend: keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.closed = False

    async def process(self, event):
        self.events.append(dict(event))

    async def close(self):
        self.closed = True


class _Failing:
    async def process(self, event):
        raise OSError("disk full")

    async def close(self):
        raise OSError("disk full")


def _registry(backends):
    from microkube import hookimpl
    from microkube.plugins import registry_for

    class Plugin:
        @hookimpl
        def microkube_audit_backends(self):
            return {name: (lambda context, b=b: b) for name, b in backends.items()}

    return registry_for(Plugin())


async def test_backends_come_from_the_hook_and_one_failing_spares_the_others(tmp_path):
    from microkube_apiserver.component import build_auditor
    from microkube_apiserver.options import parse_options

    from microkube.contracts.auth import AuditBackend

    collecting = _Collecting()
    assert isinstance(collecting, AuditBackend)
    registry = _registry({"broken": _Failing(), "collect": collecting})
    options = parse_options({"audit-backends": ["broken", "collect"]})
    auditor = build_auditor(registry, options, tmp_path, {})
    await auditor.record({"kind": "Event", "verb": "get"})
    await auditor.close()
    assert collecting.events == [{"kind": "Event", "verb": "get"}] and collecting.closed


def test_no_backend_no_auditor_and_an_unknown_one_is_named(tmp_path):
    from microkube_apiserver.component import build_auditor
    from microkube_apiserver.options import parse_options

    from microkube.plugins import SelectionError

    registry = _registry({})
    assert build_auditor(registry, parse_options({}), tmp_path, {}) is None
    with pytest.raises(SelectionError, match="nope"):
        build_auditor(registry, parse_options({"audit-backends": ["nope"]}), tmp_path, {})
