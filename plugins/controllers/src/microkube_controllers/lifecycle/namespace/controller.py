"""The namespace controller (kube-controller-manager's ``namespace-controller``).

A namespace with a ``deletionTimestamp`` whose ``spec.finalizers`` still lists ``kubernetes``
is emptied pass by pass (see :mod:`.deleter`); after each pass its conditions say what is
left. Once nothing is left the ``kubernetes`` finalizer is removed through the namespace's
``finalize`` subresource, and the API server removes the namespace.
"""

from __future__ import annotations

import logging
from typing import Any

from microkube.client.errors import ConflictError, NotFoundError
from microkube.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
)
from microkube.contracts.controller import ControllerContext
from microkube_controllers.lifecycle.base import LifecycleController
from microkube_controllers.lifecycle.discovery import preferred_resources
from microkube_controllers.lifecycle.namespace.conditions import ConditionUpdater
from microkube_controllers.lifecycle.namespace.deleter import delete_content

log = logging.getLogger(__name__)

#: The finalizer in ``spec.finalizers`` this controller is responsible for.
FINALIZER = "kubernetes"


class ContentRemaining(Exception):
    """Objects are still in the namespace (retried with back-off)."""


class DiscoveryIncomplete(Exception):
    """Some group-versions could not be discovered (retried with back-off)."""


class FinalizeConflict(Exception):
    """The namespace kept changing while being finalized (retried with back-off)."""


def _rate_limiter() -> MaxOfRateLimiter:
    # upstream's nsControllerRateLimiter: per item 5 ms doubling to 60 s, overall 10 qps
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 60.0), BucketRateLimiter(qps=10.0, burst=100)
    )


def spec_finalizers(namespace: dict[str, Any]) -> list[str]:
    return list((namespace.get("spec") or {}).get("finalizers") or ())


class NamespaceController(LifecycleController):
    name = "namespace"
    component = "namespace-controller"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context, rate_limiter=_rate_limiter())
        self.namespaces = self.watch(
            self.informers.informer("namespaces"),
            on_add=self._changed,
            on_update=lambda old, new: self._changed(new),
        )

    def _changed(self, namespace: dict[str, Any]) -> None:
        if (namespace.get("metadata") or {}).get("deletionTimestamp"):
            self.queue.add(namespace["metadata"]["name"])

    async def reconcile(self, key: str) -> float | None:
        name = key
        if self.namespaces.store.get(name) is None:
            return None
        try:
            namespace = await self.client.get("namespaces", name)
        except NotFoundError:
            return None
        if not (namespace.get("metadata") or {}).get("deletionTimestamp"):
            return None
        namespace = await self._mark_terminating(namespace)
        if FINALIZER not in spec_finalizers(namespace):
            return None
        return await self._empty(namespace)

    async def _mark_terminating(self, namespace: dict[str, Any]) -> dict[str, Any]:
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            return namespace
        name = namespace["metadata"]["name"]
        return await self.client.patch_status(
            "namespaces", name, {"status": {"phase": "Terminating"}}
        )

    async def _empty(self, namespace: dict[str, Any]) -> float | None:
        name = namespace["metadata"]["name"]
        updater = ConditionUpdater()
        discovered = await preferred_resources(self.client)
        if discovered.failures:
            updater.discovery_failed(discovered.failures)
        result = await delete_content(self.client, name, discovered.resources, updater)
        await self._write_conditions(namespace, updater)
        if discovered.failures:
            raise DiscoveryIncomplete("; ".join(discovered.failures))
        if not result.empty:
            if result.estimate > 0:
                return result.estimate
            left = ", ".join(sorted(result.totals.remaining))
            raise ContentRemaining(f"content remains in namespace {name}: {left}")
        await self._finalize(name)
        return None

    async def _write_conditions(self, namespace: dict[str, Any], updater: ConditionUpdater) -> None:
        current = list((namespace.get("status") or {}).get("conditions") or ())
        conditions = updater.conditions(current)
        if conditions == current:
            return
        try:
            await self.client.patch_status(
                "namespaces", namespace["metadata"]["name"], {"status": {"conditions": conditions}}
            )
        except NotFoundError:
            return

    async def _finalize(self, name: str) -> None:
        """Remove ``kubernetes`` from ``spec.finalizers`` (retried on a conflict)."""
        for _ in range(5):
            try:
                namespace = await self.client.get("namespaces", name)
            except NotFoundError:
                return
            finalizers = spec_finalizers(namespace)
            if FINALIZER not in finalizers:
                return
            namespace.setdefault("spec", {})["finalizers"] = [
                f for f in finalizers if f != FINALIZER
            ]
            try:
                await self.client.replace("namespaces", namespace, subresource="finalize")
                log.info("namespace %s: content deleted, finalized", name)
                return
            except NotFoundError:
                return
            except ConflictError:
                continue
        raise FinalizeConflict(f"namespace {name}: finalize kept conflicting; retrying")
