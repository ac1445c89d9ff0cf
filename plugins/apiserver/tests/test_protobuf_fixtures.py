"""Stored kubectl request bodies decode to the JSON kubectl itself would have sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from microkube_apiserver.protobuf import MAGIC, decode_envelope

FIXTURES = Path(__file__).parent / "data" / "protobuf"
BODIES = sorted(FIXTURES.glob("*.bin"))


def test_fixtures_are_present() -> None:
    names = {body.stem for body in BODIES}
    assert {"deployment", "configmap", "job", "token", "can-i-resource"} <= names
    for name in names:
        assert (FIXTURES / f"{name}.cmd").read_text().startswith("kubectl ")
        assert (FIXTURES / f"{name}.json").is_file()


@pytest.mark.parametrize("body", BODIES, ids=[body.stem for body in BODIES])
def test_stored_body_decodes_to_expected_json(body: Path) -> None:
    data = body.read_bytes()
    assert data.startswith(MAGIC)
    expected = json.loads(body.with_suffix(".json").read_text())
    assert decode_envelope(data) == expected


def test_deployment_body_in_detail() -> None:
    """The values kubectl's flags put on the wire, field by field."""
    obj = decode_envelope((FIXTURES / "deployment.bin").read_bytes())
    assert obj["kind"] == "Deployment" and obj["apiVersion"] == "apps/v1"
    assert obj["metadata"] == {"name": "web", "labels": {"app": "web"}}
    spec = obj["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    container = spec["template"]["spec"]["containers"][0]
    assert container == {
        "name": "nginx",
        "image": "nginx:1.25",
        "ports": [{"containerPort": 80}],
        "resources": {},
    }
    # Go wrote every zero scalar (stdin=false, minReadySeconds=0 ...): none survives omitempty.
    assert spec["strategy"] == {} and obj["status"] == {}


def test_secret_values_are_base64_as_in_json() -> None:
    obj = decode_envelope((FIXTURES / "secret-generic.bin").read_bytes())
    assert obj["data"] == {"user": "YWRtaW4=", "password": "czNjcjN0IQ=="}
    assert "type" not in obj  # no --type: Go sent "", which omitempty leaves out
