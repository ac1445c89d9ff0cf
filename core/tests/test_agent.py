"""``microkube agent``: its flags become the node components' options and kubeconfig; bad
flags are one-line errors."""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
from pathlib import Path

import pytest

from microkube.agent import add_agent_arguments, agent_config, agent_kubeconfig
from microkube.config import Config


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_agent_arguments(parser)
    return parser.parse_args(argv)


def test_flags_become_the_node_components_options(tmp_path: Path) -> None:
    args = parse(
        "--server=http://10.0.0.1:6443",
        "--token=abc",
        "--node-name=node-a",
        "--node-ip=10.0.0.2",
        "--runtime=hollow",
    )
    config = agent_config(Config(data_dir=str(tmp_path), options={"kubelet": {"port": 0}}), args)
    kubeconfig = str(tmp_path.resolve() / "kubeconfig")
    assert config.runtime == "hollow"
    assert config.options["kubelet"] == {
        "port": 0,
        "node-name": "node-a",
        "node-ip": "10.0.0.2",
        "address": "10.0.0.2",
        "kubeconfig": kubeconfig,
        "cluster-dns": ["10.96.0.10"],
    }
    assert config.options["kube-proxy"] == {"node-name": "node-a", "kubeconfig": kubeconfig}


def test_kubeconfig_has_server_token_and_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n...\n")
    doc = agent_kubeconfig(
        parse("--server=https://10.0.0.1:6443", "--token= abc ", f"--ca-file={ca}")
    )
    cluster = doc["clusters"][0]["cluster"]
    assert cluster["server"] == "https://10.0.0.1:6443"
    assert base64.b64decode(cluster["certificate-authority-data"]) == ca.read_bytes()
    assert "insecure-skip-tls-verify" not in cluster
    assert doc["users"][0]["user"] == {"token": "abc"}
    insecure = agent_kubeconfig(
        parse("--server=https://h:6443", "--token=t", "--insecure-skip-tls-verify")
    )
    assert insecure["clusters"][0]["cluster"]["insecure-skip-tls-verify"] is True


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--server=10.0.0.1:6443"], "is not an http(s)://HOST[:PORT] URL"),
        (["--server=https://10.0.0.1:6443"], "give --ca-file (or --insecure-skip-tls-verify)"),
        (["--server=http://h", "--node-ip=h"], "--node-ip 'h' is not an IP address"),
        (["--server=http://h", "--ca-file=/nonexistent"], "--ca-file /nonexistent: cannot read"),
    ],
)
def test_bad_flags_are_one_line_errors(flags: list[str], message: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "microkube.cli",
            "--data-dir",
            str(tmp_path),
            "agent",
            "--token=t",
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("microkube agent: ")
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "kubeconfig").exists()
