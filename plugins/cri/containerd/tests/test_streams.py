"""The exit code a remotecommand v4 error stream reports."""

from __future__ import annotations

import json

import pytest
from microkube_cri_containerd.streams import _exit_code

from microkube.contracts.runtime import RuntimeError_


def test_success_and_empty_mean_zero() -> None:
    assert _exit_code(json.dumps({"metadata": {}, "status": "Success"}).encode()) == 0
    assert _exit_code(b"") == 0


def test_non_zero_exit_code() -> None:
    status = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "message": "command terminated with non-zero exit code: exit status 7",
        "details": {"causes": [{"reason": "ExitCode", "message": "7"}]},
    }
    assert _exit_code(json.dumps(status).encode()) == 7


def test_other_failures_raise_with_the_message() -> None:
    status = {"status": "Failure", "message": 'exec: "nope": executable file not found'}
    with pytest.raises(RuntimeError_, match="executable file not found"):
        _exit_code(json.dumps(status).encode())
    with pytest.raises(RuntimeError_, match="plain text"):
        _exit_code(b"plain text")
