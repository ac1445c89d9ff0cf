"""The pods the networking tests run (process runtime: host commands in their own netns).

``web`` answers every GET with its pod's name, so a client sees which replica served it;
``client`` sleeps, and the tests ``kubectl exec`` the fetch loop (:data:`FETCH`) in it.
"""

from __future__ import annotations

from typing import Any

import yaml

WEB_PORT = 8080
#: Not ``:latest``, so the pull policy is IfNotPresent: no registry is reachable here.
IMAGE = "python:3-slim"

SERVE = """
import http.server, os
name = os.environ["POD_NAME"].encode()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(name)))
        self.end_headers()
        self.wfile.write(name)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()
"""

#: ``python3 -c FETCH URL COUNT [PAUSE]``: one line per request, ``<unix time it started>
#: <answer>`` (``-`` for a failed request), each on a new connection.
FETCH = """
import sys, time, urllib.request
url, count = sys.argv[1], int(sys.argv[2])
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
for _ in range(count):
    started = time.time()
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            body = answer.read().decode()
    except Exception as exc:
        body = "-"
    print(f"{started:.3f} {body}", flush=True)
    if pause:
        time.sleep(pause)
"""


def _pod_env(port: int) -> list[dict[str, Any]]:
    return [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "PORT", "value": str(port)},
    ]


def web_container(port: int = WEB_PORT, host_port: int | None = None) -> dict[str, Any]:
    container_port: dict[str, Any] = {"name": "http", "containerPort": port}
    if host_port:
        container_port["hostPort"] = host_port
    return {
        "name": "web",
        "image": IMAGE,
        "command": ["python3", "-c", SERVE],
        "env": _pod_env(port),
        "ports": [container_port],
        "readinessProbe": {"httpGet": {"path": "/", "port": port}, "periodSeconds": 1},
    }


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [web_container()],
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": labels},
                        }
                    ],
                },
            },
        },
    }


def service(name: str, app: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("ports", [{"name": "http", "port": 80, "targetPort": "http"}])
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, **spec},
    }


def pod(name: str, node: str, container: dict[str, Any]) -> dict[str, Any]:
    """A pod on ``node`` (empty: wherever the scheduler puts it)."""
    spec: dict[str, Any] = {"terminationGracePeriodSeconds": 1, "containers": [container]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": spec,
    }


def client_container() -> dict[str, Any]:
    return {"name": "client", "image": IMAGE, "command": ["sleep", "3600"]}


def manifest(*objects: dict[str, Any]) -> str:
    """The objects as one YAML stream for ``kubectl apply -f -``."""
    return yaml.safe_dump_all(objects)
