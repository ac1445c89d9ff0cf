"""DefaultBinder: bind the pod through the API server's ``pods/binding`` subresource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube import hookimpl
from microkube.client.errors import ApiError, TransportError
from microkube.contracts.scheduling import CycleState, Status
from microkube_scheduler.plugins.common import SUCCESS, no_args

NAME = "DefaultBinder"


class DefaultBinder:
    name = NAME

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def bind(self, state: CycleState, pod: Any, node_name: str) -> Status:
        meta = pod.metadata
        try:
            await self.handle.client.bind(meta.name, node_name, meta.namespace, uid=meta.uid)
        except (ApiError, TransportError, OSError, TimeoutError) as exc:
            return Status.error(f"binding rejected: {exc}", plugin=NAME)
        return SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> DefaultBinder:
    no_args(NAME, args)
    return DefaultBinder(handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
