"""The real kubectl 1.32 against the discovery and OpenAPI documents.

A small stdlib HTTP server on 127.0.0.1 answers discovery through ``DiscoveryEndpoints`` and
stands in for the rest of the API just enough for the commands tried: empty lists for
collections, 404 or a stored object for items, the request body back for writes. Every request
is recorded so the tests can check what kubectl sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
import yaml
from microkube_apiserver.discovery import DEFAULT_CATALOGUE, DiscoveryEndpoints, OpenAPIV3, Resource

from microkube.api.core_v1 import Container
from microkube.api.introspect import is_model, model_fields

KUBECTL = Path("/usr/bin/kubectl")
KUBECTL_127 = Path("/usr/lib/google-cloud-sdk/bin/kubectl.1.27")

pytestmark = pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl is not installed")

# `kubectl api-resources` against Kubernetes 1.32, for the kinds microkube serves, in kubectl's
# order (API group, then name): NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND.
API_RESOURCES = [
    ("bindings", "", "v1", "true", "Binding"),
    ("configmaps", "cm", "v1", "true", "ConfigMap"),
    ("endpoints", "ep", "v1", "true", "Endpoints"),
    ("events", "ev", "v1", "true", "Event"),
    ("namespaces", "ns", "v1", "false", "Namespace"),
    ("nodes", "no", "v1", "false", "Node"),
    ("persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"),
    ("persistentvolumes", "pv", "v1", "false", "PersistentVolume"),
    ("pods", "po", "v1", "true", "Pod"),
    ("secrets", "", "v1", "true", "Secret"),
    ("serviceaccounts", "sa", "v1", "true", "ServiceAccount"),
    ("services", "svc", "v1", "true", "Service"),
    (
        "mutatingwebhookconfigurations",
        "",
        "admissionregistration.k8s.io/v1",
        "false",
        "MutatingWebhookConfiguration",
    ),
    (
        "validatingwebhookconfigurations",
        "",
        "admissionregistration.k8s.io/v1",
        "false",
        "ValidatingWebhookConfiguration",
    ),
    ("controllerrevisions", "", "apps/v1", "true", "ControllerRevision"),
    ("daemonsets", "ds", "apps/v1", "true", "DaemonSet"),
    ("deployments", "deploy", "apps/v1", "true", "Deployment"),
    ("replicasets", "rs", "apps/v1", "true", "ReplicaSet"),
    ("statefulsets", "sts", "apps/v1", "true", "StatefulSet"),
    ("selfsubjectreviews", "", "authentication.k8s.io/v1", "false", "SelfSubjectReview"),
    (
        "localsubjectaccessreviews",
        "",
        "authorization.k8s.io/v1",
        "true",
        "LocalSubjectAccessReview",
    ),
    ("selfsubjectaccessreviews", "", "authorization.k8s.io/v1", "false", "SelfSubjectAccessReview"),
    ("selfsubjectrulesreviews", "", "authorization.k8s.io/v1", "false", "SelfSubjectRulesReview"),
    ("subjectaccessreviews", "", "authorization.k8s.io/v1", "false", "SubjectAccessReview"),
    ("horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"),
    ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
    ("jobs", "", "batch/v1", "true", "Job"),
    ("leases", "", "coordination.k8s.io/v1", "true", "Lease"),
    ("endpointslices", "", "discovery.k8s.io/v1", "true", "EndpointSlice"),
    ("events", "ev", "events.k8s.io/v1", "true", "Event"),
    ("nodes", "", "metrics.k8s.io/v1beta1", "false", "NodeMetrics"),
    ("pods", "", "metrics.k8s.io/v1beta1", "true", "PodMetrics"),
    ("poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"),
    ("clusterrolebindings", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding"),
    ("clusterroles", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRole"),
    ("rolebindings", "", "rbac.authorization.k8s.io/v1", "true", "RoleBinding"),
    ("roles", "", "rbac.authorization.k8s.io/v1", "true", "Role"),
    ("priorityclasses", "pc", "scheduling.k8s.io/v1", "false", "PriorityClass"),
]

API_VERSIONS = [
    "admissionregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "metrics.k8s.io/v1beta1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "v1",
]

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "nginx",
                        "image": "nginx:1.25",
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    }
                ]
            },
        },
    },
}
DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/default/deployments"


@attrs.frozen
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@attrs.define
class FakeAPI:
    """Discovery from the endpoints under test; the rest of the API as a stand-in."""

    endpoints: DiscoveryEndpoints
    requests: list[Request] = attrs.Factory(list)
    objects: dict[str, dict[str, Any]] = attrs.Factory(dict)
    lock: threading.Lock = attrs.Factory(threading.Lock)
    port: int = 0

    def record(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.objects.clear()

    def paths(self, method: str = "GET") -> list[str]:
        return [r.path for r in self.requests if r.method == method]

    def handle(self, request: Request) -> tuple[int, str, bytes]:
        answer = self.endpoints.answer(request.method, request.path, request.query, request.headers)
        if answer is not None:
            return answer.status, answer.header("Content-Type") or "", answer.body
        target = _resource_path(request.path)
        if target is None:
            return _status(404, "NotFound", "the server could not find the requested resource")
        resource, name = target
        if request.method == "GET" and name is None:
            listed = {
                "kind": resource.list_kind,
                "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": "1"},
                "items": [],
            }
            return 200, "application/json", json.dumps(listed).encode()
        if request.method in ("GET", "PATCH") and name is not None:
            stored = self.objects.get(request.path)
            if stored is None:
                return _status(404, "NotFound", f'{resource.group_resource} "{name}" not found')
            return 200, "application/json", json.dumps(stored).encode()
        if request.method == "POST" and name is None:
            created = json.loads(request.body)
            created["metadata"].update(uid="0e5a6c1e", resourceVersion="2")
            return 201, "application/json", json.dumps(created).encode()
        return _status(405, "MethodNotAllowed", f"{request.method} is not supported here")


def _status(code: int, reason: str, message: str) -> tuple[int, str, bytes]:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return code, "application/json", json.dumps(body).encode()


def _resource_path(path: str) -> tuple[Resource, str | None] | None:
    """(resource, object name) of a REST path, from the catalogue."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    resource = DEFAULT_CATALOGUE.get(group, version, rest[0])
    if resource is None:
        return None
    return resource, rest[1] if len(rest) > 1 else None


def _handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            api.record(request)
            status, content_type, body = api.handle(request)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read the recorded requests instead."""

    return Handler


@pytest.fixture(scope="module")
def api() -> Iterator[FakeAPI]:
    fake = FakeAPI(DiscoveryEndpoints())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.endpoints = DiscoveryEndpoints(server_address=f"127.0.0.1:{server.server_port}")
    fake.port = server.server_port
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def kubectl(api: FakeAPI, tmp_path: Path):
    """Run kubectl with a fresh kubeconfig and discovery cache; requests start recorded anew."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "m", "cluster": {"server": f"http://127.0.0.1:{api.port}"}}],
        "contexts": [
            {"name": "m", "context": {"cluster": "m", "user": "m", "namespace": "default"}}
        ],
        "current-context": "m",
        "users": [{"name": "m", "user": {}}],
    }
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"} | {"HOME": str(tmp_path)}
    api.reset()

    def run(*args: str, binary: Path = KUBECTL, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(binary), "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"),
             *args],
            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
        )  # fmt: skip
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


def _table(output: str) -> list[tuple[str, ...]]:
    """Rows of kubectl's column output, cut at the header's column starts."""
    header, *lines = output.splitlines()
    starts = [i for i, ch in enumerate(header) if ch != " " and (i == 0 or header[i - 1] == " ")]
    bounds = [*starts[1:], None]
    return [
        tuple(line[start:end].strip() for start, end in zip(starts, bounds, strict=True))
        for line in lines
    ]


def test_version_reports_kubernetes_1_32(kubectl, api):
    done = kubectl("version", "-o", "json")
    server = json.loads(done.stdout)["serverVersion"]
    assert (server["major"], server["minor"], server["gitVersion"]) == ("1", "32", "v1.32.4")
    assert api.paths()[0] == "/version"  # the dispatcher asks first


def test_api_resources_prints_the_rows_of_kubernetes(kubectl, api):
    done = kubectl("api-resources")
    assert done.stdout.splitlines()[0].split() == [
        "NAME",
        "SHORTNAMES",
        "APIVERSION",
        "NAMESPACED",
        "KIND",
    ]
    assert _table(done.stdout) == API_RESOURCES
    discovery = [r for r in api.requests if r.path in ("/api", "/apis")]
    assert {r.path for r in discovery} == {"/api", "/apis"}
    assert all("as=APIGroupDiscoveryList" in r.headers["accept"] for r in discovery)
    # aggregated discovery answered everything: no per-group-version documents needed
    assert not [p for p in api.paths() if p.startswith(("/api/", "/apis/"))]


@pytest.mark.skipif(not KUBECTL_127.exists(), reason="kubectl 1.27 is not installed")
def test_kubectl_1_27_gets_v2beta1_and_the_same_rows(kubectl, api):
    done = kubectl("api-resources", binary=KUBECTL_127)
    assert _table(done.stdout) == API_RESOURCES
    accepts = [r.headers["accept"] for r in api.requests if r.path in ("/api", "/apis")]
    assert accepts
    assert all("v=v2beta1" in a and "v=v2;" not in a for a in accepts)


def test_api_versions(kubectl):
    assert kubectl("api-versions").stdout.splitlines() == API_VERSIONS


def _type_name(t: Any) -> str:
    """How `kubectl explain` names a declared type."""
    names = {str: "string", int: "integer", bool: "boolean"}
    if t in names:
        return names[t]
    if getattr(t, "__origin__", None) is list:
        return "[]" + _type_name(t.__args__[0])
    if getattr(t, "__origin__", None) is dict:
        return "map[string]" + _type_name(t.__args__[1])
    assert is_model(t) or isinstance(t, type), t
    return t.__name__


def test_explain_pod_spec_containers(kubectl):
    out = kubectl("explain", "pod.spec.containers").stdout
    assert out.splitlines()[:2] == ["KIND:       Pod", "VERSION:    v1"]
    assert "FIELD: containers <[]Container>" in out
    assert "List of containers belonging to the pod." in out
    fields = out.split("FIELDS:", 1)[1]
    assert "  name\t<string> -required-" in fields.splitlines()
    for f in model_fields(Container):
        suffix = " -required-" if f.json_name == "name" else ""
        assert f"  {f.json_name}\t<{_type_name(f.value_type)}>{suffix}" in fields.splitlines()


def test_explain_deployment_spec_strategy(kubectl):
    out = kubectl("explain", "deployment.spec.strategy").stdout
    lines = out.splitlines()
    assert lines[:3] == ["GROUP:      apps", "KIND:       Deployment", "VERSION:    v1"]
    assert "FIELD: strategy <DeploymentStrategy>" in lines
    assert "  rollingUpdate\t<RollingUpdateDeployment>" in lines
    assert "  type\t<string>" in lines
    assert "Recreate" in out
    surge = kubectl("explain", "deployment.spec.strategy.rollingUpdate.maxSurge").stdout
    assert "FIELD: maxSurge <IntOrString>" in surge


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("po", "/api/v1/namespaces/default/pods"),
        ("deploy", "/apis/apps/v1/namespaces/default/deployments"),
        ("ev", "/api/v1/namespaces/default/events"),  # core events come first
        ("no", "/api/v1/nodes"),
        ("pdb", "/apis/policy/v1/namespaces/default/poddisruptionbudgets"),
        (
            "clusterroles.rbac.authorization.k8s.io",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        ),
    ],
)
def test_get_resolves_names(kubectl, api, name, path):
    done = kubectl("get", name)
    assert done.stderr.splitlines()[-1] == "No resources found in default namespace."
    assert api.paths()[-1] == path
    [listed] = [r for r in api.requests if r.path == path]
    assert listed.query["limit"] == ["500"]


def test_ambiguous_short_name_warns_as_against_kubernetes(kubectl):
    done = kubectl("get", "ev")
    assert done.stderr.splitlines()[0] == (
        'Warning: short name "ev" could also match lower priority resource events.events.k8s.io'
    )


def test_get_all_lists_the_category(kubectl, api):
    done = kubectl("get", "all")
    assert "No resources found in default namespace." in done.stderr
    listed = {p for p in api.paths() if p.startswith(("/api/", "/apis/"))}
    # kubectl lists each resource of the category in its group's preferred version only
    assert listed == {
        f"{'/apis/' + r.group if r.group else '/api'}/{r.version}/namespaces/default/{r.plural}"
        for r in DEFAULT_CATALOGUE
        if "all" in r.categories and r.version == DEFAULT_CATALOGUE.versions(r.group)[0]
    }


def _manifest(tmp_path: Path, obj: dict) -> Path:
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(obj))
    return path


def test_apply_validates_on_the_server(kubectl, api, tmp_path):
    done = kubectl("apply", "--dry-run=server", "-f", str(_manifest(tmp_path, DEPLOYMENT)))
    assert done.stdout.strip() == "deployment.apps/web created (server dry run)"
    paths = api.paths()
    assert "/openapi/v3" in paths
    assert "/openapi/v3/apis/apps/v1" in paths
    assert "/openapi/v2" not in paths
    [post] = [r for r in api.requests if r.method == "POST"]
    assert post.path == DEPLOYMENT_PATH
    assert post.query == {
        "dryRun": ["All"],
        "fieldManager": ["kubectl-client-side-apply"],
        "fieldValidation": ["Strict"],
    }
    assert json.loads(post.body)["spec"] == DEPLOYMENT["spec"]


def test_second_apply_sends_a_strategic_merge_patch(kubectl, api, tmp_path):
    applied = json.dumps({**DEPLOYMENT, "metadata": {"name": "web", "namespace": "default"}})
    current = json.loads(json.dumps(DEPLOYMENT))
    current["metadata"] = {
        "name": "web",
        "namespace": "default",
        "uid": "0e5a6c1e",
        "resourceVersion": "2",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied + "\n"},
    }
    api.objects[f"{DEPLOYMENT_PATH}/web"] = current
    changed = json.loads(json.dumps(DEPLOYMENT))
    container = changed["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "nginx:1.26"
    container["env"] = [{"name": "A", "value": "1"}]

    done = kubectl("apply", "-f", str(_manifest(tmp_path, changed)))
    assert "warning" not in done.stderr.lower()  # the v3 schemas gave kubectl the patch
    [patch] = [r for r in api.requests if r.method == "PATCH"]
    assert patch.path == f"{DEPLOYMENT_PATH}/web"
    assert patch.query["fieldValidation"] == ["Strict"]
    assert patch.headers["content-type"] == "application/strategic-merge-patch+json"
    body = json.loads(patch.body)
    assert body["spec"] == {
        "template": {
            "spec": {
                "$setElementOrder/containers": [{"name": "nginx"}],
                "containers": [
                    {
                        "$setElementOrder/env": [{"name": "A"}],
                        "env": [{"$patch": "delete", "name": "B"}],
                        "image": "nginx:1.26",
                        "name": "nginx",
                    }
                ],
            }
        }
    }
    assert "/openapi/v2" not in api.paths()


class _EnvWithoutMergeKey(OpenAPIV3):
    """The served documents, but Container.env stripped of its patch metadata in apps/v1."""

    def document_bytes(self, path: str) -> bytes | None:
        body = super().document_bytes(path)
        if body is None or path.strip("/") != "apis/apps/v1":
            return body
        document = json.loads(body)
        container = document["components"]["schemas"]["io.k8s.api.core.v1.Container"]
        env = container["properties"]["env"]
        for key in [k for k in env if k.startswith("x-kubernetes-")]:
            del env[key]
        return json.dumps(document).encode()


def test_kubectl_computes_the_patch_from_the_served_schemas(kubectl, api, tmp_path):
    """Without env's merge key in the served schema kubectl replaces the list: so the patch in
    the test above came from our schemas, not from kubectl's compiled-in types."""
    applied = json.dumps({**DEPLOYMENT, "metadata": {"name": "web", "namespace": "default"}})
    current = json.loads(json.dumps(DEPLOYMENT))
    current["metadata"] = {
        "name": "web",
        "namespace": "default",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied + "\n"},
    }
    api.objects[f"{DEPLOYMENT_PATH}/web"] = current
    changed = json.loads(json.dumps(DEPLOYMENT))
    changed["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    served = api.endpoints.openapi
    api.endpoints.openapi = _EnvWithoutMergeKey(DEFAULT_CATALOGUE)
    try:
        kubectl("apply", "-f", str(_manifest(tmp_path, changed)))
    finally:
        api.endpoints.openapi = served
    [patch] = [r for r in api.requests if r.method == "PATCH"]
    containers = json.loads(patch.body)["spec"]["template"]["spec"]["containers"]
    assert containers == [{"env": [{"name": "A", "value": "1"}], "name": "nginx"}]
