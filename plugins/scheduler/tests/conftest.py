"""Fixtures of the scheduler's tests: a cluster of the real API server and the scheduler."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def scheduler_options() -> dict:
    """Scheduler options for the ``cluster`` fixture (override in a test module)."""
    return {"podInitialBackoffSeconds": 0.2, "podMaxBackoffSeconds": 1}


@pytest.fixture
async def cluster(microkube_cluster, scheduler_options):
    return await microkube_cluster(
        "apiserver", "scheduler", options={"scheduler": scheduler_options}
    )
