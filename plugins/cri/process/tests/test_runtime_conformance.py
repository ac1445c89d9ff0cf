"""The process runtime passes the runtime conformance suite, with host commands."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_cri_process.runtime import ProcessRuntime

from microkube.testing.conformance.runtime import RuntimeConformance


class TestProcessRuntimeConformance(RuntimeConformance):
    @pytest.fixture
    async def runtime(self, process_runtime: ProcessRuntime) -> AsyncIterator[ProcessRuntime]:
        yield process_runtime
