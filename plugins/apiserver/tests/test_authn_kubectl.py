"""Authentication end to end over TLS, with the real kubectl and the Python client, against
``microkube apiserver`` in a subprocess (sqlite, its own PKI, a static token file).

No credentials, a bad token, an expired token, a tampered JWT and a certificate of another CA
are refused and change nothing; ``kubectl create token`` tokens authenticate until their
ServiceAccount (or bound pod) goes; a restart keeps the CA and the signing key.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from microkube_apiserver.authn.tokens import TokenIssuer
from microkube_apiserver.pki.certs import issue, make_ca

from microkube.client.kubeconfig import make_kubeconfig, write_kubeconfig

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
MICROKUBE = Path(sys.executable).with_name("microkube")
ISSUER = "https://kubernetes.default.svc.cluster.local"
STATIC_TOKEN = "static-token-0123456789"
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


class Server:
    """``microkube apiserver`` (TLS, the default) in a child process, stopped by PID."""

    def __init__(self, data_dir: Path, config: Path) -> None:
        self.data_dir = data_dir
        command = [str(MICROKUBE), "--config", str(config), "apiserver"]
        command += ["--data-dir", str(data_dir), "--port", "0"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("export KUBECONFIG="):
            self.stop()
            raise AssertionError(f"server did not start: {line!r}")
        self.kubeconfig = data_dir / "kubeconfig"
        cluster = json.loads(self.kubeconfig.read_text())["clusters"][0]["cluster"]
        self.url = cluster["server"]
        self.ca_pem = base64.b64decode(cluster["certificate-authority-data"])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def _config(directory: Path) -> Path:
    tokens = directory / "tokens.csv"
    tokens.write_text(f'{STATIC_TOKEN},ops-bot,42,"ops,bots"\n')
    config = directory / "config.json"
    apiserver = {"token-auth-file": str(tokens), "authorization-modes": ["always-allow"]}
    config.write_text(json.dumps({"options": {"apiserver": apiserver}}))
    return config


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("authn")
    started = Server(base / "data", _config(base))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kubectl-cache")


def kubectl(
    server: Server, cache: Path, *args: str, kubeconfig: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [KUBECTL, "--kubeconfig", str(kubeconfig or server.kubeconfig)]
    command += ["--cache-dir", str(cache), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def admin(server: Server, cache: Path, *args: str) -> str:
    result = kubectl(server, cache, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def token_kubeconfig(server: Server, path: Path, token: str) -> Path:
    write_kubeconfig(path, make_kubeconfig(server.url, token=token, ca_data=server.ca_pem))
    return path


def create_token(server: Server, cache: Path, account: str, *args: str) -> str:
    return admin(server, cache, "create", "token", account, *args).strip()


def test_admin_kubeconfig_speaks_tls_with_a_client_certificate(server, cache):
    config = json.loads(server.kubeconfig.read_text())
    assert server.url.startswith("https://127.0.0.1:")
    assert {"client-certificate-data", "client-key-data"} <= set(config["users"][0]["user"])
    assert "namespace/kube-system" in admin(server, cache, "get", "ns", "-o", "name")
    components = sorted(p.name for p in (server.data_dir / "kubeconfigs").iterdir())
    assert {"controller-manager.conf", "kube-proxy.conf", "scheduler.conf"} <= set(components)


def test_bad_credentials_are_401_and_change_nothing(server, cache, tmp_path):
    admin(server, cache, "create", "serviceaccount", "victim")
    victim_uid = json.loads(admin(server, cache, "get", "sa", "victim", "-o", "json"))["metadata"][
        "uid"
    ]
    pki = server.data_dir / "pki"
    expired = TokenIssuer(
        (pki / "sa.key").read_bytes(), (pki / "sa.pub").read_bytes(), ISSUER
    ).issue(
        namespace="default",
        name="victim",
        uid=victim_uid,
        audiences=[ISSUER],
        seconds=600,
        now=time.time() - 3600,
    )
    good = create_token(server, cache, "victim")
    head, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "system:serviceaccount:kube-system:default"
    claims["kubernetes.io"]["namespace"] = "kube-system"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    cases = {
        "bad-token": "not-a-token-anyone-issued",
        "expired-token": expired.token,
        "tampered-jwt": f"{head}.{forged}.{signature}",
    }
    for case, token in cases.items():
        config = token_kubeconfig(server, tmp_path / f"{case}.conf", token)
        result = kubectl(server, cache, "create", "configmap", case, kubeconfig=config)
        assert result.returncode != 0
        assert "Unauthorized" in result.stderr, (case, result.stderr)

    # No credentials at all (kubectl would prompt for a password): a raw HTTPS request.
    context = ssl.create_default_context(cadata=server.ca_pem.decode())
    body = json.dumps({"metadata": {"name": "no-credentials"}}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1/namespaces/default/configmaps",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10, context=context)
    assert refused.value.code == 401
    status = json.loads(refused.value.read())
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "Unauthorized", 401)

    # A client certificate from another CA: refused in the TLS handshake (Python's ssl
    # verifies a presented client certificate there, with no hook to defer it to an
    # authenticator), before any request is read: with TLS 1.3 the client sees the reset.
    other = make_ca("someone-else")
    stranger = issue(other, "kubernetes-admin", organizations=["system:masters"], client=True)
    config = tmp_path / "stranger.conf"
    doc = make_kubeconfig(
        server.url,
        ca_data=server.ca_pem,
        client_cert_data=stranger.cert_pem,
        client_key_data=stranger.key_pem,
    )
    write_kubeconfig(config, doc)
    result = kubectl(server, cache, "create", "configmap", "stranger", kubeconfig=config)
    assert result.returncode != 0
    refusals = ("connection reset by peer", ": EOF", "certificate", "tls:")
    assert any(text in result.stderr for text in refusals), result.stderr

    names = admin(server, cache, "get", "configmaps", "-A", "-o", "name")
    for case in (*cases, "no-credentials", "stranger"):
        assert f"configmap/{case}\n" not in names


def test_create_token_authenticates_until_its_service_account_goes(server, cache, tmp_path):
    admin(server, cache, "create", "serviceaccount", "robot")
    token = create_token(server, cache, "robot", "--duration", "15m")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert claims["sub"] == "system:serviceaccount:default:robot"
    assert claims["aud"] == [ISSUER]
    config = token_kubeconfig(server, tmp_path / "robot.conf", token)
    assert kubectl(server, cache, "get", "--raw", "/api", kubeconfig=config).returncode == 0
    too_short = kubectl(server, cache, "create", "token", "robot", "--duration", "5m")
    assert "may not specify a duration less than 10 minutes" in too_short.stderr
    admin(server, cache, "delete", "serviceaccount", "robot")
    gone = kubectl(server, cache, "get", "--raw", "/api", kubeconfig=config)
    assert gone.returncode != 0 and "Unauthorized" in gone.stderr
    # A new ServiceAccount of the same name does not revive the old token (another uid).
    admin(server, cache, "create", "serviceaccount", "robot")
    again = kubectl(server, cache, "get", "--raw", "/api", kubeconfig=config)
    assert again.returncode != 0 and "Unauthorized" in again.stderr


def test_pod_bound_token_dies_with_its_pod(server, cache, tmp_path):
    admin(server, cache, "create", "serviceaccount", "runner")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "worker"},
        "spec": {"serviceAccountName": "runner", "containers": [{"name": "c", "image": "busybox"}]},
    }
    command = [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(cache)]
    created = subprocess.run(
        [*command, "create", "-f", "-", "-o", "json"],
        input=json.dumps(pod),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    pod_uid = json.loads(created.stdout)["metadata"]["uid"]
    token = create_token(
        server, cache, "runner", "--bound-object-kind", "Pod", "--bound-object-name", "worker"
    )
    bound = jwt.decode(token, options={"verify_signature": False})["kubernetes.io"]["pod"]
    assert bound == {"name": "worker", "uid": pod_uid}
    config = token_kubeconfig(server, tmp_path / "runner.conf", token)
    assert kubectl(server, cache, "get", "--raw", "/api", kubeconfig=config).returncode == 0
    missing = kubectl(
        server, cache, "create", "token", "runner", "--bound-object-kind", "Pod",
        "--bound-object-name", "nope",
    )  # fmt: skip
    assert 'pods "nope" not found' in missing.stderr
    admin(server, cache, "delete", "pod", "worker", "--grace-period=0", "--force")
    gone = kubectl(server, cache, "get", "--raw", "/api", kubeconfig=config)
    assert gone.returncode != 0 and "Unauthorized" in gone.stderr


def test_static_token_and_python_client_over_tls(server, tmp_path):
    from kubernetes import client as k8s

    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(server.ca_pem)

    def api(token: str) -> k8s.CoreV1Api:
        configuration = k8s.Configuration(host=server.url)
        configuration.ssl_ca_cert = str(ca_file)
        configuration.api_key = {"authorization": f"Bearer {token}"}
        return k8s.CoreV1Api(k8s.ApiClient(configuration))

    names = [ns.metadata.name for ns in api(STATIC_TOKEN).list_namespace().items]
    assert "kube-system" in names
    with pytest.raises(k8s.ApiException) as refused:
        api("wrong-token").list_namespace()
    assert refused.value.status == 401
    assert json.loads(refused.value.body)["reason"] == "Unauthorized"


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*.*")}


def test_restart_reuses_the_ca_and_the_signing_key(tmp_path, cache):
    first = Server(tmp_path / "data", _config(tmp_path))
    try:
        admin(first, cache, "create", "serviceaccount", "keeper")
        token = create_token(first, cache, "keeper")
        ca_before = first.ca_pem
        pki_before = _files(tmp_path / "data" / "pki")
    finally:
        first.stop()
    second = Server(tmp_path / "data", _config(tmp_path))
    try:
        assert second.ca_pem == ca_before
        assert _files(tmp_path / "data" / "pki") == pki_before
        config = token_kubeconfig(second, tmp_path / "keeper.conf", token)
        result = kubectl(second, cache, "get", "--raw", "/api", kubeconfig=config)
        assert result.returncode == 0, result.stderr
    finally:
        second.stop()
