"""Making a container's image present, as upstream's image manager: by
``imagePullPolicy`` (Always, IfNotPresent, Never), with its events (``Pulling``, ``Pulled``,
``Failed``, ``BackOff``, ``ErrImageNeverPull``) and a per-image back-off that turns
``ErrImagePull`` into ``ImagePullBackOff``."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from microkube.contracts.runtime import ContainerRuntime, ImagePullError, RuntimeError_
from microkube_kubelet.backoff import Backoff
from microkube_kubelet.timeutil import go_duration

__all__ = ["ImagePuller", "PullResult"]

#: (event type, reason, message, field path) -> None
EventSink = Callable[[str, str, str, str], None]


@attrs.frozen
class PullResult:
    """``ok``, or the waiting (reason, message) to report and when to try again."""

    ok: bool
    waiting: tuple[str, str] | None = None
    retry_in: float | None = None


class ImagePuller:
    def __init__(self, runtime: ContainerRuntime, backoff: Backoff, event: EventSink) -> None:
        self.runtime = runtime
        self.backoff = backoff
        self._event = event
        self._failed_at: dict[str, float] = {}

    async def ensure(self, container: Mapping[str, Any], field_path: str) -> PullResult:
        image = container.get("image", "")
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        try:
            present = await self.runtime.image_status(image)
        except RuntimeError_:
            present = None
        if present is not None and policy != "Always":
            message = f'Container image "{image}" already present on machine'
            self._event("Normal", "Pulled", message, field_path)
            return PullResult(True)
        if policy == "Never":
            message = f'Container image "{image}" is not present with pull policy of Never'
            self._event("Warning", "ErrImageNeverPull", message, field_path)
            return PullResult(False, ("ErrImageNeverPull", message))
        failed_at = self._failed_at.get(image)
        if failed_at is not None and self.backoff.in_backoff_since(image, failed_at):
            message = f'Back-off pulling image "{image}"'
            self._event("Normal", "BackOff", message, field_path)
            retry = self.backoff.remaining(image, failed_at) + 0.05
            return PullResult(False, ("ImagePullBackOff", message), retry)
        self._event("Normal", "Pulling", f'Pulling image "{image}"', field_path)
        began = time.monotonic()
        try:
            await self.runtime.pull_image(image)
        except (ImagePullError, RuntimeError_) as exc:
            now = time.time()
            self.backoff.next(image, now)
            self._failed_at[image] = now
            self._event("Warning", "Failed", f'Failed to pull image "{image}": {exc}', field_path)
            return PullResult(False, ("ErrImagePull", str(exc)), self.backoff.get(image))
        self._failed_at.pop(image, None)
        took = go_duration(round(time.monotonic() - began, 3))
        self._event(
            "Normal", "Pulled", f'Successfully pulled image "{image}" in {took}', field_path
        )
        return PullResult(True)
