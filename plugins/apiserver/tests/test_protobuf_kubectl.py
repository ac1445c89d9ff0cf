"""Decode the protobuf bodies the real kubectl 1.32 sends and compare them with kubectl's JSON.

A small HTTP server of this module answers ``/version`` (minor "32", so the dispatcher runs
kubectl 1.32), aggregated discovery for the resources the commands resolve, and one GET of a
Deployment (for ``autoscale``); it records every POST body. Each case runs kubectl twice: once
against the server (the protobuf body) and once with ``--dry-run=client -o json`` (the JSON
kubectl would have sent). Commands without a client dry-run (``create token``, ``auth can-i``)
are compared with the object kubectl's source builds, written out by hand below.

Run as a script to refresh the stored bodies the offline test uses::

    .venv/bin/python plugins/apiserver/tests/test_protobuf_kubectl.py --write-fixtures
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from microkube_apiserver.protobuf import (
    MEDIA_TYPE,
    decode_envelope,
)

KUBECTL = shutil.which("kubectl")
FIXTURES = Path(__file__).parent / "data" / "protobuf"
BINARY_FILE_PLACEHOLDER = "{binary_file}"

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "59526cd4867447956156ae3a602fcbac5b1d1ede",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T16:02:27Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def _resource(
    plural: str,
    kind: str,
    group_version: str,
    *,
    cluster: bool = False,
    short: tuple[str, ...] = (),
    subresources: tuple[tuple[str, str, str], ...] = (),
) -> dict[str, Any]:
    group, _, version = group_version.rpartition("/")
    return {
        "resource": plural,
        "responseKind": {"group": group, "version": version, "kind": kind},
        "scope": "Cluster" if cluster else "Namespaced",
        "singularResource": kind.lower(),
        "verbs": VERBS,
        "shortNames": list(short),
        "subresources": [
            {
                "subresource": name,
                "responseKind": {
                    "group": gv.rpartition("/")[0],
                    "version": gv.rpartition("/")[2],
                    "kind": sub_kind,
                },
                "verbs": ["create", "get", "update"],
            }
            for name, gv, sub_kind in subresources
        ],
    }


CORE_RESOURCES = [
    _resource("namespaces", "Namespace", "v1", cluster=True, short=("ns",)),
    _resource("configmaps", "ConfigMap", "v1", short=("cm",)),
    _resource("secrets", "Secret", "v1"),
    _resource("services", "Service", "v1", short=("svc",)),
    _resource("pods", "Pod", "v1", short=("po",)),
    _resource("resourcequotas", "ResourceQuota", "v1", short=("quota",)),
    _resource(
        "serviceaccounts",
        "ServiceAccount",
        "v1",
        short=("sa",),
        subresources=(("token", "authentication.k8s.io/v1", "TokenRequest"),),
    ),
]
GROUP_RESOURCES = {
    "apps": [
        _resource(
            "deployments",
            "Deployment",
            "apps/v1",
            short=("deploy",),
            subresources=(("scale", "autoscaling/v1", "Scale"),),
        )
    ],
    "batch": [
        _resource("jobs", "Job", "batch/v1"),
        _resource("cronjobs", "CronJob", "batch/v1", short=("cj",)),
    ],
    "policy": [_resource("poddisruptionbudgets", "PodDisruptionBudget", "policy/v1")],
    "networking.k8s.io": [
        _resource("ingresses", "Ingress", "networking.k8s.io/v1", short=("ing",)),
    ],
    "autoscaling": [
        _resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling/v1")
    ],
    "rbac.authorization.k8s.io": [
        _resource("roles", "Role", "rbac.authorization.k8s.io/v1"),
        _resource("rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1"),
        _resource("clusterroles", "ClusterRole", "rbac.authorization.k8s.io/v1", cluster=True),
        _resource(
            "clusterrolebindings",
            "ClusterRoleBinding",
            "rbac.authorization.k8s.io/v1",
            cluster=True,
        ),
    ],
    "authorization.k8s.io": [
        _resource(
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
            "authorization.k8s.io/v1",
            cluster=True,
        )
    ],
    "scheduling.k8s.io": [
        _resource("priorityclasses", "PriorityClass", "scheduling.k8s.io/v1", cluster=True)
    ],
}
DEPLOYMENT = {
    "kind": "Deployment",
    "apiVersion": "apps/v1",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "0b1e8a2c-0000-4000-8000-000000000001",
    },
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]},
        },
    },
}


def _discovery(groups: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [
            {
                "metadata": {"name": name, "creationTimestamp": None},
                "versions": [{"version": "v1", "freshness": "Current", "resources": resources}],
            }
            for name, resources in groups
        ],
    }


@dataclass(frozen=True)
class Post:
    path: str
    content_type: str
    body: bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CaptureServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests report what matters."""

    def _json(self, code: int, obj: Any, content_type: str = "application/json") -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/version":
            self._json(200, VERSION)
        elif path == "/api":
            self._json(200, _discovery([("", CORE_RESOURCES)]), AGGREGATED)
        elif path == "/apis":
            self._json(200, _discovery(list(GROUP_RESOURCES.items())), AGGREGATED)
        elif path == "/apis/apps/v1/namespaces/default/deployments/web":
            self._json(200, DEPLOYMENT)
        else:
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
            self._json(404, {**status, "reason": "NotFound", "code": 404})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append(Post(self.path, self.headers.get("Content-Type", ""), body))
        path = self.path.split("?", 1)[0]
        if path.endswith("/token"):  # kubectl insists on a token in the answer
            status = {"token": "not-a-real-token", "expirationTimestamp": "2030-01-01T00:00:00Z"}
            self._json(
                201,
                {
                    "apiVersion": "authentication.k8s.io/v1",
                    "kind": "TokenRequest",
                    "status": status,
                },
            )
        elif path.endswith("/selfsubjectaccessreviews"):
            self._json(201, {"kind": "SelfSubjectAccessReview", "status": {"allowed": True}})
        else:
            self._json(
                201, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201}
            )


class _CaptureServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[Post] = []


class Kubectl:
    """Runs the real kubectl against the capture server, isolated in a temporary home."""

    def __init__(self, server: _CaptureServer, home: Path) -> None:
        self.server = server
        self.home = home
        self.kubeconfig = home / "kubeconfig"
        port = server.server_address[1]
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: m\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\n"
            "contexts:\n- name: m\n  context: {cluster: m, user: m, namespace: default}\n"
            "current-context: m\nusers:\n- name: m\n  user: {}\n"
        )
        self.binary_file = home / "blob.bin"
        self.binary_file.write_bytes(bytes(range(250, 256)) + b"\x00binary")

    def run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        argv = [
            str(KUBECTL),
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.home / 'cache'}",
        ]
        argv += [arg.replace(BINARY_FILE_PLACEHOLDER, str(self.binary_file)) for arg in args]
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update(HOME=str(self.home), KUBECONFIG=str(self.kubeconfig), NO_PROXY="127.0.0.1")
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=60, env=env, check=False
        )

    def capture(self, command: str) -> Post:
        """Run a command; return the single POST it made."""
        before = len(self.server.posts)
        result = self.run(shlex.split(command))
        posts = self.server.posts[before:]
        assert len(posts) == 1, f"{command!r} made {len(posts)} POSTs: {result.stderr}"
        return posts[0]

    def dry_run_json(self, command: str) -> dict[str, Any]:
        args = shlex.split(command)
        end = args.index("--") if "--" in args else len(args)  # flags go before the command
        result = self.run([*args[:end], "--dry-run=client", "-o", "json", *args[end:]])
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@dataclass(frozen=True)
class Case:
    """One kubectl command; ``expected`` is set where kubectl has no client dry-run."""

    name: str
    command: str
    expected: dict[str, Any] | None = None
    stored: bool = False  # its body is kept in data/protobuf for the offline test


CASES = [
    Case(
        "deployment", "create deployment web --image=nginx:1.25 --replicas=3 --port=80", stored=True
    ),
    Case("deployment-two-images", "create deployment pair --image=nginx:1.25 --image=redis:7"),
    Case("namespace", "create namespace team-a", stored=True),
    Case(
        "configmap",
        f"create configmap settings --from-literal=mode=fast --from-literal=level=3 "
        f"--from-file=blob={BINARY_FILE_PLACEHOLDER}",
        stored=True,
    ),
    Case(
        "secret-generic",
        "create secret generic creds --from-literal=user=admin --from-literal=password=s3cr3t!",
        stored=True,
    ),
    Case(
        "secret-docker-registry",
        "create secret docker-registry reg --docker-server=registry.example "
        "--docker-username=u --docker-password=p --docker-email=u@example.com",
    ),
    Case(
        "service-clusterip",
        "create service clusterip web --tcp=80:8080 --tcp=443:8443",
        stored=True,
    ),
    Case("service-nodeport", "create service nodeport np --tcp=80:8080 --node-port=30080"),
    Case("service-loadbalancer", "create service loadbalancer lb --tcp=5678:8080"),
    Case("service-externalname", "create service externalname ext --external-name=example.com"),
    Case("service-headless", "create service clusterip headless --clusterip=None"),
    Case("job", "create job hello --image=busybox:1.36 -- echo hi", stored=True),
    Case(
        "cronjob",
        "create cronjob tick --image=busybox:1.36 --schedule='*/5 * * * *' --restart=Never -- date",
        stored=True,
    ),
    Case("serviceaccount", "create serviceaccount robot"),
    Case(
        "role",
        "create role reader --verb=get,list,watch --resource=pods,deployments.apps "
        "--resource-name=web",
        stored=True,
    ),
    Case(
        "rolebinding",
        "create rolebinding reader-binding --role=reader --user=alice --group=devs "
        "--serviceaccount=default:robot",
    ),
    Case(
        "clusterrole",
        "create clusterrole logs --verb=get --non-resource-url=/logs/* --non-resource-url=/healthz",
    ),
    Case(
        "clusterrole-aggregated",
        "create clusterrole monitoring "
        "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true",
    ),
    Case("clusterrolebinding", "create clusterrolebinding ops --clusterrole=logs --group=ops"),
    Case("pdb-percent", "create pdb web-pdb --selector=app=web --min-available=50%", stored=True),
    Case("pdb-int", "create pdb api-pdb --selector=app=api --max-unavailable=1"),
    Case(
        "ingress",
        "create ingress web --class=nginx --default-backend=fallback:http "
        "--rule=example.com/=web:80 --rule=example.com/api*=api:8080,tls=example-cert",
        stored=True,
    ),
    Case("quota", "create quota q --hard=cpu=1,memory=1Gi,pods=2 --scopes=BestEffort"),
    Case("autoscale", "autoscale deployment web --min=2 --max=5 --cpu-percent=80", stored=True),
    Case(
        "priorityclass",
        "create priorityclass high --value=1000 --global-default --description=top "
        "--preemption-policy=Never",
    ),
    Case(
        "token",
        "create token robot --duration=1h --audience=https://kubernetes.default.svc "
        "--bound-object-kind=Pod --bound-object-name=web-0 "
        "--bound-object-uid=1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        expected={
            # create_token.go: Spec{Audiences, ExpirationSeconds: duration/1s, BoundObjectRef{
            # Kind, APIVersion: "v1", Name, UID}}; Status.Token has no omitempty.
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "spec": {
                "audiences": ["https://kubernetes.default.svc"],
                "expirationSeconds": 3600,
                "boundObjectRef": {
                    "kind": "Pod",
                    "apiVersion": "v1",
                    "name": "web-0",
                    "uid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                },
            },
            "status": {"token": ""},
        },
        stored=True,
    ),
    Case(
        "can-i-resource",
        "auth can-i list deployments.apps --namespace=kube-system",
        expected={
            # can_i.go: ResourceAttributes{Namespace, Verb, Group, Resource, Subresource, Name};
            # Status.Allowed has no omitempty.
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {
                "resourceAttributes": {
                    "namespace": "kube-system",
                    "verb": "list",
                    "group": "apps",
                    "resource": "deployments",
                }
            },
            "status": {"allowed": False},
        },
        stored=True,
    ),
    Case(
        "can-i-non-resource",
        "auth can-i get /logs",
        expected={
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"nonResourceAttributes": {"path": "/logs", "verb": "get"}},
            "status": {"allowed": False},
        },
    ),
]


def without_nulls(value: Any) -> Any:
    """Drop null-valued keys, recursively.

    Go writes ``null`` for a nil pointer, slice or map without ``omitempty`` and for a zero
    Time (``creationTimestamp: null``); reading JSON back, Go (and our API server) treats
    ``null`` exactly as an absent key, so the decoder leaves such keys out.
    """
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@pytest.fixture(scope="module")
def kubectl() -> Iterator[Kubectl]:
    server = _CaptureServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="microkube-kubectl-") as home:
        try:
            yield Kubectl(server, Path(home))
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def expected_json(kubectl: Kubectl, case: Case) -> dict[str, Any]:
    if case.expected is not None:
        return case.expected
    return without_nulls(kubectl.dry_run_json(case.command))


needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


@needs_kubectl
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_kubectl_body_decodes_to_kubectl_json(kubectl: Kubectl, case: Case) -> None:
    post = kubectl.capture(case.command)
    assert post.content_type == MEDIA_TYPE
    assert decode_envelope(post.body) == expected_json(kubectl, case)


def write_fixtures(directory: Path) -> None:
    """Capture the stored cases through kubectl and write body, command and expected JSON."""
    directory.mkdir(parents=True, exist_ok=True)
    server = _CaptureServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory(prefix="microkube-kubectl-") as home:
            runner = Kubectl(server, Path(home))
            for case in (case for case in CASES if case.stored):
                post = runner.capture(case.command)
                (directory / f"{case.name}.bin").write_bytes(post.body)
                (directory / f"{case.name}.cmd").write_text(f"kubectl {case.command}\n")
                expected = json.dumps(expected_json(runner, case), indent=2, sort_keys=True)
                (directory / f"{case.name}.json").write_text(expected + "\n")
                print(f"wrote {case.name}: {len(post.body)} bytes")
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-fixtures", action="store_true", help=f"refresh {FIXTURES}")
    if not parser.parse_args().write_fixtures or KUBECTL is None:
        sys.exit(parser.format_usage() if KUBECTL else "kubectl is not installed")
    write_fixtures(FIXTURES)
