"""Forking into a prepared child: environment, working directory, errors of each step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from microkube_cri_process.sessions import exit_code_of
from microkube_cri_process.spawn import ChildSetup, SpawnError, spawn


def run_child(setup: ChildSetup, tmp_path: Path) -> tuple[int, bytes]:
    out = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        pid = spawn(setup, null, out, out)
    finally:
        os.close(out)
        os.close(null)
    _, status = os.waitpid(pid, 0)
    return exit_code_of(status), (tmp_path / "out").read_bytes()


def test_exact_environment_own_session_and_cwd(tmp_path: Path) -> None:
    setup = ChildSetup(
        argv=("sh", "-c", 'env; pwd; cut -d" " -f6 /proc/$$/stat; echo $$'),
        env={"PATH": "/usr/bin:/bin", "ONLY": "this"},
        cwd=str(tmp_path),
    )
    code, output = run_child(setup, tmp_path)
    lines = output.decode().split("\n")
    assert code == 0
    assert sorted(line for line in lines if "=" in line) == [
        "ONLY=this",
        "PATH=/usr/bin:/bin",
        f"PWD={tmp_path}",
    ]
    assert str(tmp_path) in lines
    session, pid = [line.strip() for line in lines if line.strip().isdigit()][-2:]
    assert session == pid, "the child leads its own session (and process group)"


def test_own_uts_namespace_with_the_pods_hostname(tmp_path: Path) -> None:
    setup = ChildSetup(argv=("hostname",), env={"PATH": "/usr/bin:/bin"}, cwd="/", hostname="pod-a")
    assert run_child(setup, tmp_path) == (0, b"pod-a\n")
    assert os.uname().nodename != "pod-a"


def test_each_failing_step_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpawnError, match='exec: "nope": executable file not found in \\$PATH'):
        spawn(ChildSetup(argv=("nope",), env={"PATH": "/bin"}, cwd="/"), 0, 1, 2)
    with pytest.raises(SpawnError, match="change to the working directory /no/such/dir"):
        spawn(ChildSetup(argv=("true",), env={}, cwd="/no/such/dir"), 0, 1, 2)
