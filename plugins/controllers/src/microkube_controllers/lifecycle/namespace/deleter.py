"""One pass of emptying a namespace, as upstream's ``namespacedResourcesDeleter``.

For every namespaced resource the server serves that can be deleted: a deletecollection
(background propagation) where the resource supports it, else a list and one delete per
object; then a list of what remains, counting objects and the finalizers they still carry.
Pods still terminating gracefully give an estimate of how long to wait before looking again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError
from microkube.client.resources import Resource
from microkube_controllers.common.timeutil import now as utcnow
from microkube_controllers.common.timeutil import parse_time
from microkube_controllers.lifecycle.discovery import supports
from microkube_controllers.lifecycle.namespace.conditions import ConditionUpdater, ContentTotals

BACKGROUND = "Background"


@attrs.define
class PassResult:
    totals: ContentTotals = attrs.Factory(ContentTotals)
    #: seconds until graceful pod terminations should be over (0: nothing to wait for)
    estimate: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.totals.remaining


def _group_resource(resource: Resource) -> str:
    # upstream formats "%s.%s" of resource and group: "pods." for the core group
    return f"{resource.plural}.{resource.group}"


def _pod_estimate(pod: dict[str, Any], now: datetime) -> float:
    """Seconds until a terminating pod's grace period is over."""
    deadline = parse_time((pod.get("metadata") or {}).get("deletionTimestamp"))
    if deadline is None:
        spec = pod.get("spec") or {}
        return float(spec.get("terminationGracePeriodSeconds") or 0)
    return max((deadline - now).total_seconds(), 0.0)


async def _delete_all(
    client: ApiClient, resource: Resource, namespace: str, updater: ConditionUpdater
) -> None:
    if supports(resource, "deletecollection"):
        try:
            await client.delete_collection(resource, namespace, propagation_policy=BACKGROUND)
            return
        except ApiError as exc:
            if exc.code not in (404, 405):
                updater.delete_failed(f"{exc} for gvr: {_gvr(resource)}")
                return
    if not supports(resource, "list"):
        return
    listed = await client.list_all(resource, namespace)
    for item in listed.get("items") or ():
        meta = item.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            continue
        try:
            await client.delete(
                resource,
                meta["name"],
                namespace,
                propagation_policy=BACKGROUND,
                preconditions={"uid": meta["uid"]} if meta.get("uid") else None,
            )
        except NotFoundError:
            continue
        except ApiError as exc:
            updater.delete_failed(f"{exc} for gvr: {_gvr(resource)}")
            return


def _gvr(resource: Resource) -> str:
    return f"{resource.group}/{resource.version}, Resource={resource.plural}"


async def delete_content(
    client: ApiClient,
    namespace: str,
    resources: tuple[Resource, ...],
    updater: ConditionUpdater,
) -> PassResult:
    """Delete everything in ``namespace``; report what is left."""
    result = PassResult()
    now = utcnow()
    for resource in resources:
        if not resource.namespaced or not supports(resource, "delete"):
            continue
        try:
            await _delete_all(client, resource, namespace, updater)
        except ApiError as exc:
            updater.delete_failed(f"{exc} for gvr: {_gvr(resource)}")
            continue
        if not supports(resource, "list"):
            continue
        try:
            remaining = (await client.list_all(resource, namespace)).get("items") or []
        except ApiError as exc:
            updater.delete_failed(f"{exc} for gvr: {_gvr(resource)}")
            continue
        if not remaining:
            continue
        result.totals.remaining[_group_resource(resource)] = len(remaining)
        for item in remaining:
            for finalizer in (item.get("metadata") or {}).get("finalizers") or ():
                result.totals.finalizers[finalizer] = result.totals.finalizers.get(finalizer, 0) + 1
            if resource.plural == "pods" and not resource.group:
                result.estimate = max(result.estimate, _pod_estimate(item, now))
    updater.content_totals(result.totals)
    return result
