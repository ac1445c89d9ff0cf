"""The hollow runtime passes the runtime conformance suite (commands emulated)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_cri_hollow.runtime import HollowRuntime

from microkube.testing.conformance.runtime import RuntimeConformance


class TestHollowRuntimeConformance(RuntimeConformance):
    runs_processes = False

    @pytest.fixture
    async def runtime(self) -> AsyncIterator[HollowRuntime]:
        runtime = HollowRuntime()
        await runtime.start()
        yield runtime
        await runtime.close()
