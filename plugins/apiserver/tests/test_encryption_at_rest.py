"""Secrets encrypted at rest: a real ``microkube apiserver`` (sqlite) with an
EncryptionConfiguration and an audit log at Request level; after creating a Secret its value
appears nowhere in plain text — not in the data directory (store, audit log), the server's
logs or the events — and still reads back through the API."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

MICROKUBE = Path(sys.executable).with_name("microkube")
VALUE = "s3cr3t-value-a7f09e"
CONFIG = """\
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: {key}
      - identity: {{}}
"""


def call(base: str, method: str, path: str, body=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_secret_value_is_nowhere_in_plain_text(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    encryption = tmp_path / "encryption.yaml"
    encryption.write_text(CONFIG.format(key=base64.b64encode(os.urandom(32)).decode()))
    config = tmp_path / "config.json"
    audit_policy = tmp_path / "audit.yaml"
    audit_policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n")
    audit_log = data_dir / "audit.log"
    options = {  # plain HTTP and no authorization: this test is about what reaches the disk
        "tls": False,
        "authorization-modes": ["always-allow"],
        "log-requests": True,
        "encryption-provider-config": str(encryption),
        "audit-log-path": str(audit_log),
        "audit-policy-file": str(audit_policy),
    }
    config.write_text(json.dumps({"storage": "sqlite", "options": {"apiserver": options}}))
    log = tmp_path / "server.log"
    with log.open("w") as log_file:
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
            stderr=log_file,
            text=True,
        )
        try:
            line = process.stdout.readline()
            assert line.startswith("export KUBECONFIG="), line + log.read_text()
            kubeconfig = json.loads(Path(line.strip().split("=", 1)[1]).read_text())
            base = kubeconfig["clusters"][0]["cluster"]["server"]
            secret = {
                "metadata": {"name": "db"},
                "data": {"password": base64.b64encode(VALUE.encode()).decode()},
            }
            code, created = call(base, "POST", "/api/v1/namespaces/default/secrets", secret)
            assert code == 201, created
            code, read = call(base, "GET", "/api/v1/namespaces/default/secrets/db")
            assert code == 200
            assert base64.b64decode(read["data"]["password"]).decode() == VALUE
            code, events = call(base, "GET", "/api/v1/events")
            assert code == 200
            assert VALUE not in json.dumps(events)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
            process.stdout.close()
    needles = [VALUE.encode(), base64.b64encode(VALUE.encode())]
    stored = b""
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            stored += content
            for needle in needles:
                assert needle not in content, f"{needle!r} in plain text in {path}"
    assert b"k8s:enc:aesgcm:v1:key1:" in stored  # the Secret was stored, encrypted
    # the audit log (in the data directory, searched above) saw the Secret's requests
    events = [json.loads(line) for line in audit_log.read_text().splitlines()]
    secret_events = [e for e in events if e.get("objectRef", {}).get("resource") == "secrets"]
    assert [e["verb"] for e in secret_events] == ["create", "get"]
    assert all("requestObject" not in e for e in secret_events)
    logs = log.read_bytes()
    for needle in needles:
        assert needle not in logs
