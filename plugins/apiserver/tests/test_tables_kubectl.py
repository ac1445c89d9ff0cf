# ruff: noqa: E501 -- the expected outputs are kubectl's own lines, wider than 100 columns.
"""The real kubectl prints our Tables exactly as it prints kube-apiserver's.

A small HTTP server on 127.0.0.1 serves discovery and lists of pods, deployments and
services, answering kubectl's Table Accept with Tables built by ``microkube_apiserver.tables``
(AGE measured against a fixed instant). The expected outputs below are written from the
printers' rules and kubectl's column layout (tabwriter: 3 spaces of padding, headers
upper-cased, NAMESPACE first with ``-A``, LABELS last with ``--show-labels``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from microkube_apiserver.tables import (
    TableWatchEncoder,
    printer_for,
    table_for_list,
    table_for_object,
    table_group_version,
)

KUBECTL = "/usr/bin/kubectl"
MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(shutil.which(KUBECTL) is None, reason="kubectl is not installed")


def manifest(name: str) -> dict[str, Any]:
    (doc,) = [d for d in yaml.safe_load_all((MANIFESTS / name).read_text()) if d]
    return doc


def meta(name: str, namespace: str, created: str, **labels: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{namespace}-{name}",
        "resourceVersion": "100",
        "creationTimestamp": created,
        **({"labels": labels} if labels else {}),
    }


def container_status(name: str, **state: Any) -> dict[str, Any]:
    running = "running" in state
    return {"name": name, "ready": running, "restartCount": 0, "started": running, "state": state}


def pods() -> list[dict[str, Any]]:
    crashing = manifest("core-pod-status.yaml")
    web = {
        "metadata": meta("web-0", "default", "2024-05-01T11:59:15Z", app="web"),
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "nginx"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.244.0.8",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [container_status("web", running={})],
        },
    }
    done = {
        "metadata": meta("job-pi-xyz", "default", "2024-05-01T09:00:00Z", **{"job-name": "pi"}),
        "spec": {"nodeName": "node-2", "containers": [{"name": "pi", "image": "perl"}]},
        "status": {
            "phase": "Succeeded",
            "podIP": "10.244.1.4",
            "containerStatuses": [
                container_status("pi", terminated={"exitCode": 0, "reason": "Completed"})
            ],
        },
    }
    initializing = {
        "metadata": meta("init-demo", "default", "2024-05-01T11:58:00Z"),
        "spec": {
            "nodeName": "node-2",
            "initContainers": [
                {"name": "wait", "image": "busybox"},
                {"name": "seed", "image": "busybox"},
            ],
            "containers": [{"name": "app", "image": "busybox"}],
        },
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                container_status("wait", running={}),
                container_status("seed", waiting={"reason": "PodInitializing"}),
            ],
            "containerStatuses": [container_status("app", waiting={"reason": "PodInitializing"})],
        },
    }
    return [crashing, web, done, initializing]


def deployments() -> list[dict[str, Any]]:
    nginx = manifest("apps-deployment-status.yaml")
    nginx["metadata"]["creationTimestamp"] = "2024-04-30T12:00:00Z"
    web = {
        "metadata": meta("web", "default", "2024-05-01T11:58:00Z"),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}},
        },
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 1, "availableReplicas": 1},
    }
    return [nginx, web]


def services() -> list[dict[str, Any]]:
    def service(
        name: str, namespace: str, created: str, spec: dict[str, Any], **status: Any
    ) -> dict[str, Any]:
        return {"metadata": meta(name, namespace, created), "spec": spec, "status": status}

    long_ago = "2024-04-01T12:00:00Z"  # 30 days before NOW
    return [
        service(
            "kubernetes",
            "default",
            long_ago,
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.1",
                "ports": [{"port": 443, "protocol": "TCP"}],
            },
        ),
        service(
            "my-lb",
            "default",
            "2024-05-01T11:58:30Z",
            {
                "type": "LoadBalancer",
                "clusterIP": "10.0.171.239",
                "ports": [{"port": 80, "nodePort": 31234, "protocol": "TCP"}],
                "selector": {"app.kubernetes.io/name": "MyApp"},
            },
            loadBalancer={"ingress": [{"ip": "192.0.2.127"}]},
        ),
        service(
            "kube-dns",
            "kube-system",
            long_ago,
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.10",
                "ports": [
                    {"name": "dns", "port": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                    {"name": "metrics", "port": 9153, "protocol": "TCP"},
                ],
            },
        ),
    ]


def _resource(name: str, kind: str, group: str, short: list[str]) -> dict[str, Any]:
    verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    return {
        "resource": name,
        "responseKind": {"group": group, "version": "v1", "kind": kind},
        "scope": "Namespaced",
        "singularResource": kind.lower(),
        "verbs": verbs,
        "shortNames": short,
        "categories": ["all"],
    }


AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
DISCOVERY = {
    "/api": {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [
            {
                "metadata": {"creationTimestamp": None},
                "versions": [
                    {
                        "version": "v1",
                        "freshness": "Current",
                        "resources": [
                            _resource("pods", "Pod", "", ["po"]),
                            _resource("services", "Service", "", ["svc"]),
                        ],
                    }
                ],
            }
        ],
    },
    "/apis": {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [
            {
                "metadata": {"name": "apps", "creationTimestamp": None},
                "versions": [
                    {
                        "version": "v1",
                        "freshness": "Current",
                        "resources": [_resource("deployments", "Deployment", "apps", ["deploy"])],
                    }
                ],
            }
        ],
    },
}
VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.4", "platform": "linux/amd64"}


class FakeApiServer(ThreadingHTTPServer):
    """Discovery plus list endpoints for pods, services and deployments."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store: dict[tuple[str, str], list[dict[str, Any]]] = {
            ("", "pods"): pods(),
            ("", "services"): services(),
            ("apps", "deployments"): deployments(),
        }
        self.table_requests: list[str] = []
        #: What a watch streams before it ends: (event type, object).
        self.watch_events: list[tuple[str, dict[str, Any]]] = []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeApiServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        accept = self.headers.get("Accept", "")
        if url.path.rstrip("/") == "/version":
            return self._send(200, VERSION)
        if url.path in DISCOVERY and "as=APIGroupDiscoveryList" in accept:
            return self._send(200, DISCOVERY[url.path], AGGREGATED)
        parts = url.path.strip("/").split("/")
        # /api/v1[/namespaces/NS]/RES[/NAME] or /apis/GROUP/v1[/namespaces/NS]/RES[/NAME]
        group, rest = ("", parts[2:]) if parts[:2] == ["api", "v1"] else (parts[1], parts[3:])
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        items = self.server.store.get((group, rest[0])) if rest else None
        if items is None or len(rest) > 2:
            return self._not_found()
        resource = rest[0]
        group_version = table_group_version(accept)
        if len(rest) == 2:
            return self._get(group, resource, namespace, rest[1], group_version)
        query = parse_qs(url.query)
        if query.get("watch") == ["true"]:
            return self._watch(group, resource, group_version)
        selected = sorted(
            (i for i in items if namespace is None or i["metadata"]["namespace"] == namespace),
            key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"]),
        )
        listed = {
            "kind": "List",
            "apiVersion": f"{group}/v1" if group else "v1",
            "metadata": {"resourceVersion": "1016"},
            "items": selected,
        }
        if group_version is None:
            return self._send(200, listed)
        self.server.table_requests.append(url.path)
        table = table_for_list(
            listed,
            printer_for(group, resource),
            now=NOW,
            group_version=group_version,
            include_object=query.get("includeObject", [None])[0],
        )
        return self._send(200, table)

    def _not_found(self) -> None:
        status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}
        self._send(404, {**status, "reason": "NotFound", "message": "not found"})

    def _get(
        self, group: str, resource: str, namespace: str | None, name: str, group_version: str | None
    ) -> None:
        """A single object: a one-row Table when asked for one."""
        for item in self.server.store[(group, resource)]:
            metadata = item["metadata"]
            if metadata["name"] == name and namespace in (None, metadata["namespace"]):
                if group_version is None:
                    return self._send(200, item)
                self.server.table_requests.append(urlsplit(self.path).path)
                printer = printer_for(group, resource)
                return self._send(
                    200, table_for_object(item, printer, now=NOW, group_version=group_version)
                )
        return self._not_found()

    def _watch(self, group: str, resource: str, group_version: str | None) -> None:
        """Stream the prepared events (as Table events when asked), then end the watch."""
        assert group_version is not None, "kubectl get -w asks for Table events"
        encoder = TableWatchEncoder(
            printer_for(group, resource), group_version=group_version, clock=lambda: NOW
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event_type, obj in self.server.watch_events:
            line = json.dumps(encoder.encode(event_type, obj)).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


@pytest.fixture(scope="module")
def server() -> Iterator[FakeApiServer]:
    httpd = FakeApiServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def kubectl(server: FakeApiServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("kubectl")
    config = home / "kubeconfig"
    host, port = server.server_address[:2]
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "t", "cluster": {"server": f"http://{host}:{port}"}}],
                "contexts": [
                    {"name": "t", "context": {"cluster": "t", "user": "t", "namespace": "default"}}
                ],
                "current-context": "t",
                "users": [{"name": "t", "user": {}}],
            }
        )
    )

    def run(*args: str) -> str:
        command = [KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(home / "cache"), *args]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


GET_PODS = """\
NAME                                READY   STATUS             RESTARTS       AGE
init-demo                           0/1     Init:0/2           0              2m
job-pi-xyz                          0/1     Completed          0              3h
nginx-deployment-7c79c4bf97-abcde   1/2     CrashLoopBackOff   2 (119m ago)   120m
web-0                               1/1     Running            0              45s
"""

GET_PODS_WIDE = """\
NAME                                READY   STATUS             RESTARTS       AGE    IP           NODE     NOMINATED NODE   READINESS GATES
init-demo                           0/1     Init:0/2           0              2m     <none>       node-2   <none>           <none>
job-pi-xyz                          0/1     Completed          0              3h     10.244.1.4   node-2   <none>           <none>
nginx-deployment-7c79c4bf97-abcde   1/2     CrashLoopBackOff   2 (119m ago)   120m   10.244.0.7   node-1   <none>           <none>
web-0                               1/1     Running            0              45s    10.244.0.8   node-1   <none>           <none>
"""

GET_PODS_SHOW_LABELS = """\
NAME                                READY   STATUS             RESTARTS       AGE    LABELS
init-demo                           0/1     Init:0/2           0              2m     <none>
job-pi-xyz                          0/1     Completed          0              3h     job-name=pi
nginx-deployment-7c79c4bf97-abcde   1/2     CrashLoopBackOff   2 (119m ago)   120m   app=nginx,pod-template-hash=7c79c4bf97
web-0                               1/1     Running            0              45s    app=web
"""

GET_DEPLOY = """\
NAME               READY   UP-TO-DATE   AVAILABLE   AGE
nginx-deployment   3/3     3            3           24h
web                1/3     3            1           2m
"""

GET_SVC_ALL_NAMESPACES = """\
NAMESPACE     NAME         TYPE           CLUSTER-IP     EXTERNAL-IP   PORT(S)                  AGE
default       kubernetes   ClusterIP      10.96.0.1      <none>        443/TCP                  30d
default       my-lb        LoadBalancer   10.0.171.239   192.0.2.127   80:31234/TCP             90s
kube-system   kube-dns     ClusterIP      10.96.0.10     <none>        53/UDP,53/TCP,9153/TCP   30d
"""

# The list, then one row per event in the list's column widths. The first event's column
# definitions equal the list's and the second event has none: no header is printed again.
GET_PODS_WATCH = """\
NAME                                READY   STATUS             RESTARTS       AGE
init-demo                           0/1     Init:0/2           0              2m
job-pi-xyz                          0/1     Completed          0              3h
nginx-deployment-7c79c4bf97-abcde   1/2     CrashLoopBackOff   2 (119m ago)   120m
web-0                               1/1     Running            0              45s
web-0                               1/1     Terminating        0              45s
web-0                               0/1     Terminating        0              45s
"""


def test_get_pods(kubectl: Any, server: FakeApiServer) -> None:
    assert kubectl("get", "pods") == GET_PODS
    assert "/api/v1/namespaces/default/pods" in server.table_requests


def test_get_pods_wide(kubectl: Any) -> None:
    assert kubectl("get", "pods", "-o", "wide") == GET_PODS_WIDE


def test_get_pods_show_labels(kubectl: Any) -> None:
    assert kubectl("get", "pods", "--show-labels") == GET_PODS_SHOW_LABELS


def test_get_deployments(kubectl: Any, server: FakeApiServer) -> None:
    assert kubectl("get", "deploy") == GET_DEPLOY
    assert "/apis/apps/v1/namespaces/default/deployments" in server.table_requests


def test_get_services_all_namespaces(kubectl: Any, server: FakeApiServer) -> None:
    assert kubectl("get", "svc", "-A") == GET_SVC_ALL_NAMESPACES
    assert "/api/v1/services" in server.table_requests


def test_get_pods_watch(kubectl: Any, server: FakeApiServer) -> None:
    web = next(p for p in pods() if p["metadata"]["name"] == "web-0")
    web["metadata"]["resourceVersion"] = "1017"
    web["metadata"]["deletionTimestamp"] = "2024-05-01T11:59:59Z"
    stopped = json.loads(json.dumps(web))
    stopped["metadata"]["resourceVersion"] = "1018"
    stopped["status"]["containerStatuses"][0] = container_status(
        "web", terminated={"exitCode": 137, "reason": "Error"}
    )
    server.watch_events = [("MODIFIED", web), ("MODIFIED", stopped)]
    assert kubectl("get", "pods", "--watch") == GET_PODS_WATCH


GET_ONE_DEPLOYMENT_WIDE = """\
NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES   SELECTOR
web    1/3     3            1           2m    web          nginx    app=web
"""


def test_get_one_deployment_wide(kubectl: Any, server: FakeApiServer) -> None:
    assert kubectl("get", "deployment", "web", "-o", "wide") == GET_ONE_DEPLOYMENT_WIDE
    assert "/apis/apps/v1/namespaces/default/deployments/web" in server.table_requests
