"""Shared fixtures of the process runtime's tests: a started runtime in a temporary root."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from microkube_cri_process.options import ProcessOptions
from microkube_cri_process.runtime import ProcessRuntime

if os.geteuid() != 0:
    pytest.skip("the process runtime needs root (namespaces, mounts)", allow_module_level=True)


@pytest.fixture
async def process_runtime(tmp_path: Path) -> AsyncIterator[ProcessRuntime]:
    runtime = ProcessRuntime(tmp_path / "root", ProcessOptions())
    await runtime.start()
    yield runtime
    for sandbox in await runtime.list_pod_sandboxes():
        await runtime.stop_pod_sandbox(sandbox.id)
        await runtime.remove_pod_sandbox(sandbox.id)
    await runtime.close()
