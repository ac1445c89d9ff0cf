"""``microkube apiserver`` as its own process over sqlite: kubeconfig, restarts keep state and
allocations, SIGTERM stops it cleanly; ``microkube up --port`` sets its port."""

from __future__ import annotations

import base64
import json
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

MICROKUBE = Path(sys.executable).with_name("microkube")


def request(
    url: str, method: str = "GET", body: dict | None = None, context: ssl.SSLContext | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_restart_keeps_objects_and_allocations(tmp_path: Path, start_server):
    server = start_server(tmp_path)
    try:
        config = json.loads(server.kubeconfig.read_text())
        assert config["users"] == [{"name": "microkube", "user": {}}]
        url = server.url
        status, svc = request(
            f"{url}/api/v1/namespaces/default/services",
            "POST",
            {"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}]}},
        )
        assert status == 201
        first_ip = svc["spec"]["clusterIP"]
    finally:
        server.stop()
    assert server.process.returncode == 0
    server = start_server(tmp_path)
    try:
        url = server.url
        status, got = request(f"{url}/api/v1/namespaces/default/services/a")
        assert status == 200 and got["spec"]["clusterIP"] == first_ip
        status, taken = request(
            f"{url}/api/v1/namespaces/default/services",
            "POST",
            {"metadata": {"name": "b"}, "spec": {"clusterIP": first_ip, "ports": [{"port": 80}]}},
        )
        assert status == 422, taken
        _, namespaces = request(f"{url}/api/v1/namespaces")
        assert len(namespaces["items"]) == 4
    finally:
        server.stop()


def test_up_port_reaches_the_api_server(tmp_path: Path):
    """``microkube up --port P`` (the kernel's command) serves the API server on port P."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(MICROKUBE), "up", "apiserver", "--data-dir", str(tmp_path), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == f"export KUBECONFIG={tmp_path / 'kubeconfig'}\n", process.stderr
        config = json.loads((tmp_path / "kubeconfig").read_text())
        cluster = config["clusters"][0]["cluster"]
        assert cluster["server"] == f"https://127.0.0.1:{port}"
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        context = ssl.create_default_context(cadata=ca)
        status, version = request(f"https://127.0.0.1:{port}/version", context=context)
        assert status == 200 and version["minor"] == "32"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    assert process.returncode == 0
