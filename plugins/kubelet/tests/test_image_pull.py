"""Image pulls by policy, with back-off (unit, over the kit's FakeRuntime)."""

from __future__ import annotations

import time

from microkube_kubelet.backoff import Backoff
from microkube_kubelet.image_pull import ImagePuller

from microkube.testing.fakes.runtime import FakeRuntime


class Later:
    """time.time() plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _puller(
    runtime: FakeRuntime, events: list[tuple[str, str, str]], clock: Later | None = None
) -> ImagePuller:
    return ImagePuller(
        runtime,
        Backoff(10, 300, clock or Later()),
        lambda t, reason, message, path: events.append((t, reason, message)),
    )


async def test_if_not_present_uses_the_local_image():
    events: list[tuple[str, str, str]] = []
    runtime = FakeRuntime(images=("busybox:1.36",))
    result = await _puller(runtime, events).ensure(
        {"image": "busybox:1.36", "imagePullPolicy": "IfNotPresent"}, ""
    )
    assert result.ok
    assert events == [
        ("Normal", "Pulled", 'Container image "busybox:1.36" already present on machine')
    ]
    assert not runtime.calls_to("pull_image")


async def test_never_without_the_image_is_err_image_never_pull():
    events: list[tuple[str, str, str]] = []
    result = await _puller(FakeRuntime(), events).ensure(
        {"image": "app:1", "imagePullPolicy": "Never"}, ""
    )
    assert not result.ok
    assert result.waiting == (
        "ErrImageNeverPull",
        'Container image "app:1" is not present with pull policy of Never',
    )


async def test_failed_pull_backs_off_then_succeeds():
    events: list[tuple[str, str, str]] = []
    runtime = FakeRuntime(registry=())
    clock = Later()
    puller = _puller(runtime, events, clock)
    container = {"image": "private/app:1", "imagePullPolicy": "IfNotPresent"}
    first = await puller.ensure(container, "")
    assert not first.ok and first.waiting[0] == "ErrImagePull" and first.retry_in == 10
    assert ("Normal", "Pulling", 'Pulling image "private/app:1"') in events
    second = await puller.ensure(container, "")
    assert second.waiting == ("ImagePullBackOff", 'Back-off pulling image "private/app:1"')
    assert len(runtime.calls_to("pull_image")) == 1
    runtime.registry.add("docker.io/private/app:1")
    clock.offset = 11  # the 10 s back-off has passed
    third = await puller.ensure(container, "")
    assert third.ok
    assert events[-1][1] == "Pulled" and events[-1][2].startswith(
        'Successfully pulled image "private/app:1" in '
    )
