"""The containerd runtime passes the runtime conformance suite against a real containerd."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_cri_containerd.runtime import ContainerdRuntime

from microkube.contracts.runtime import ContainerRuntime
from microkube.testing.conformance.runtime import RuntimeConformance
from microkube.testing.containerd import BUSYBOX_IMAGE, Containerd, busybox_image_archive


class TestContainerdRuntimeConformance(RuntimeConformance):
    image = BUSYBOX_IMAGE
    #: A container's PID 1 gets no default signal handlers: plain `sleep` would ignore
    #: StopContainer's SIGTERM and wait for the SIGKILL; this one ends on it.
    running_command = ("sh", "-c", "trap 'exit 143' TERM; sleep 3600 & wait")
    #: a registry name that resolves nowhere: containerd fails the pull at once
    missing_image = "localhost:1/microkube/missing:0"

    @pytest.fixture
    async def runtime(
        self, containerd_runtime: ContainerdRuntime
    ) -> AsyncIterator[ContainerdRuntime]:
        yield containerd_runtime

    @pytest.fixture(autouse=True)
    def _daemon(self, containerd: Containerd) -> None:
        self.daemon = containerd

    async def ensure_image(self, runtime: ContainerRuntime) -> None:
        if await runtime.image_status(self.image) is None:
            archive = busybox_image_archive(self.daemon.base / "images" / "bb.tar", self.image)
            await runtime.import_image(str(archive))
