"""RBAC, the Node authorizer, access reviews and webhooks with the real kubectl against a
real ``microkube apiserver`` over TLS with ``authorization-modes: [node, rbac]``."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from microkube_apiserver.pki.certs import issue, make_ca

KUBECTL = Path("/usr/bin/kubectl")
MICROKUBE = Path(sys.executable).with_name("microkube")
VIEWER = "system:serviceaccount:default:viewer"

pytestmark = pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl is not installed")


class Cluster:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.admin = data_dir / "kubeconfig"

    def kubectl(
        self,
        *args: str,
        kubeconfig: Path | None = None,
        stdin: str | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(kubeconfig or self.admin)}
        done = subprocess.run(
            [str(KUBECTL), *args], capture_output=True, text=True, env=env, input=stdin, timeout=30
        )
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    def token_kubeconfig(self, token: str, name: str) -> Path:
        config = json.loads(self.admin.read_text())
        config["users"] = [{"name": name, "user": {"token": token}}]
        for context in config["contexts"]:
            context["context"]["user"] = name
        path = self.data_dir / f"{name}.kubeconfig"
        path.write_text(json.dumps(config))
        return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("rbac")
    data_dir = base / "data"
    config = base / "config.json"
    config.write_text(
        json.dumps(
            {
                "storage": "sqlite",
                "options": {
                    "apiserver": {"authorization-modes": ["node", "rbac"]},
                    "kubelet": {"node-name": "node-a"},
                },
            }
        )
    )
    process = subprocess.Popen(
        [
            str(MICROKUBE),
            "--config",
            str(config),
            "apiserver",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("export KUBECONFIG="), line + process.stderr.read()
        found = Cluster(data_dir)
        server = json.loads(found.admin.read_text())["clusters"][0]["cluster"]["server"]
        assert server.startswith("https://")
        yield found
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


@pytest.fixture(scope="module")
def viewer(cluster: Cluster) -> Path:
    cluster.kubectl("create", "serviceaccount", "viewer")
    cluster.kubectl(
        "create", "rolebinding", "viewer", "--clusterrole=view", "--serviceaccount=default:viewer"
    )
    cluster.kubectl("run", "web", "--image=busybox", "--restart=Never")
    token = cluster.kubectl("create", "token", "viewer").stdout.strip()
    return cluster.token_kubeconfig(token, "viewer")


def test_view_gets_but_cannot_delete(cluster: Cluster, viewer: Path) -> None:
    listed = cluster.kubectl("get", "pods", "-o", "name", kubeconfig=viewer)
    assert "pod/web" in listed.stdout
    denied = cluster.kubectl("delete", "pod", "web", kubeconfig=viewer, check=False)
    assert denied.returncode != 0
    assert denied.stderr.strip() == (
        f'Error from server (Forbidden): pods "web" is forbidden: User "{VIEWER}" cannot '
        'delete resource "pods" in API group "" in the namespace "default"'
    )


def test_auth_can_i_and_whoami(cluster: Cluster, viewer: Path) -> None:
    assert cluster.kubectl("auth", "can-i", "get", "pods", kubeconfig=viewer).stdout == "yes\n"
    no = cluster.kubectl("auth", "can-i", "delete", "pods", kubeconfig=viewer, check=False)
    assert no.stdout == "no\n" and no.returncode == 1
    listed = cluster.kubectl("auth", "can-i", "--list", kubeconfig=viewer).stdout
    header, *rows = listed.splitlines()
    assert header.split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert any(row.split()[0] == "pods" and "get" in row for row in rows)
    assert any(row.split()[0] == "selfsubjectaccessreviews.authorization.k8s.io" for row in rows)
    assert cluster.kubectl("auth", "can-i", "delete", "nodes").stdout == "yes\n"  # admin
    who = cluster.kubectl("auth", "whoami", "-o", "json", kubeconfig=viewer).stdout
    assert json.loads(who)["status"]["userInfo"]["username"] == VIEWER


def test_a_kubelet_cannot_read_another_nodes_pod_secret(cluster: Cluster) -> None:
    kubelet = cluster.data_dir / "kubeconfigs" / "kubelet-node-a.conf"
    cluster.kubectl("create", "serviceaccount", "default")  # no controllers run here
    for node in ("a", "b"):
        cluster.kubectl("create", "secret", "generic", f"s-{node}", "--from-literal=k=v")
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"on-{node}"},
            "spec": {
                "nodeName": f"node-{node}",
                "containers": [{"name": "c", "image": "x"}],
                "volumes": [{"name": "s", "secret": {"secretName": f"s-{node}"}}],
            },
        }
        cluster.kubectl("create", "-f", "-", stdin=json.dumps(pod))
    own = cluster.kubectl("get", "secret", "s-a", "-o", "name", kubeconfig=kubelet)
    assert own.stdout.strip() == "secret/s-a"
    other = cluster.kubectl("get", "secret", "s-b", kubeconfig=kubelet, check=False)
    assert other.returncode != 0
    assert other.stderr.strip() == (
        'Error from server (Forbidden): secrets "s-b" is forbidden: User "system:node:node-a" '
        'cannot get resource "secrets" in API group "" in the namespace "default": no '
        "relationship found between node 'node-a' and this object"
    )
    # tokens only for its own pods (NodeRestriction on TokenRequest)
    token = ("create", "token", "default", "--bound-object-kind=Pod")
    mine = cluster.kubectl(*token, "--bound-object-name=on-a", kubeconfig=kubelet)
    assert mine.stdout.count(".") == 2  # a JWT
    theirs = cluster.kubectl(*token, "--bound-object-name=on-b", kubeconfig=kubelet, check=False)
    assert theirs.stderr.strip() == (
        'error: failed to create token: serviceaccounts "default" is forbidden: node requested '
        "token bound to a pod scheduled on a different node"
    )


class _Webhook(BaseHTTPRequestHandler):
    #: the namespaces of the reviews received, in order
    seen: list[str] = []

    def do_POST(self) -> None:
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        request = review["request"]
        _Webhook.seen.append(request["namespace"])
        if self.path == "/slow":
            threading.Event().wait(2.0)
        name = request["object"]["metadata"]["name"]
        allowed = not name.startswith("forbidden")
        response = {"uid": request["uid"], "allowed": allowed}
        if not allowed:
            response["status"] = {
                "code": 403,
                "reason": "Forbidden",
                "message": f"pod name {name} is on the deny list",
            }
        body = json.dumps(
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, str]]:
    ca = make_ca("webhook-ca")
    serving = issue(ca, "webhook", server_names=["127.0.0.1"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as directory:
        cert, key = Path(directory, "tls.crt"), Path(directory, "tls.key")
        cert.write_bytes(serving.cert_pem)
        key.write_bytes(serving.key_pem)
        context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (
            f"https://127.0.0.1:{server.server_address[1]}",
            base64.b64encode(ca.cert_pem).decode(),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _configuration(name: str, url: str, ca: str, namespace: str, **extra: object) -> str:
    return json.dumps(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [
                {
                    "name": f"{name}.microkube.test",
                    "clientConfig": {"url": url, "caBundle": ca},
                    "rules": [
                        {
                            "operations": ["CREATE"],
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "resources": ["pods"],
                        }
                    ],
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": namespace}
                    },
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                    **extra,
                }
            ],
        }
    )


def _until_denied(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    for _ in range(50):
        done = cluster.kubectl(*args, check=False)
        if done.returncode != 0:
            return done
        cluster.kubectl("delete", *args[1:3], "-n", args[-1], "--wait=false", check=False)
        asyncio.run(asyncio.sleep(0.1))
    raise AssertionError("the webhook never answered")


def test_validating_webhook_rejects_with_a_message_kubectl_prints(cluster, webhook) -> None:
    url, ca = webhook
    cluster.kubectl("create", "namespace", "guarded")
    cluster.kubectl(
        "create", "-f", "-", stdin=_configuration("deny", f"{url}/check", ca, "guarded")
    )
    denied = _until_denied(cluster, "run", "forbidden-1", "--image=busybox", "-n", "guarded")
    assert denied.stderr.strip() == (
        'Error from server (Forbidden): admission webhook "deny.microkube.test" denied the '
        "request: pod name forbidden-1 is on the deny list"
    )
    cluster.kubectl("run", "allowed", "--image=busybox", "-n", "guarded")


@pytest.mark.parametrize("policy", ["Fail", "Ignore"])
def test_a_webhook_that_times_out_follows_its_failure_policy(cluster, webhook, policy) -> None:
    url, ca = webhook
    namespace = f"slow-{policy.lower()}"
    cluster.kubectl("create", "namespace", namespace)
    cluster.kubectl(
        "create",
        "-f",
        "-",
        stdin=_configuration(
            namespace, f"{url}/slow", ca, namespace, timeoutSeconds=1, failurePolicy=policy
        ),
    )
    if policy == "Fail":
        failed = _until_denied(cluster, "run", "late", "--image=busybox", "-n", namespace)
        assert 'failed calling webhook "slow-fail.microkube.test"' in failed.stderr
        assert "context deadline exceeded" in failed.stderr
    else:
        for attempt in range(30):  # until the webhook was asked (and ignored)
            cluster.kubectl("run", f"late-{attempt}", "--image=busybox", "-n", namespace)
            if namespace in _Webhook.seen:
                break
        else:
            raise AssertionError("the webhook was never called")
