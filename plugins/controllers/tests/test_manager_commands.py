"""``microkube controller-manager``: flags, and configuration errors as one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MICROKUBE = str(Path(sys.executable).with_name("microkube"))
ENV = {**os.environ, "MICROKUBE_LOAD_PLUGINS": "controller-manager,workloads"}


def run(*args, tmp_path):
    return subprocess.run(
        [MICROKUBE, "controller-manager", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )


def test_help_lists_the_flags(tmp_path):
    result = run("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for flag in (
        "--controllers",
        "--leader-elect",
        "--leader-elect-lease-duration",
        "--kubeconfig",
    ):
        assert flag in result.stdout


def test_unknown_controller_is_a_one_line_error(tmp_path):
    result = run("--controllers", "*,-nope", tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "microkube controller-manager: 'nope' is not in the list of known controllers: "
        "deployment, replicaset"
    ]


def test_bad_leader_election_timing_is_a_one_line_error(tmp_path):
    result = run(
        "--leader-elect-lease-duration",
        "5",
        "--leader-elect-renew-deadline",
        "8",
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "options.controller-manager" in line
    assert "lease-duration must be greater than leader-elect-renew-deadline" in line
