"""The serviceaccount controller: a ``default`` ServiceAccount in every active namespace.

As kube-controller-manager's ``serviceaccount-controller``: a namespace is synced when it is
added or changes, and when a ServiceAccount it should hold is deleted; namespaces that are
not ``Active`` (being deleted) are left alone; an account that exists is never touched.
"""

from __future__ import annotations

import logging
from typing import Any

from microkube.client.errors import AlreadyExistsError, ForbiddenError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.lifecycle.base import LifecycleController

log = logging.getLogger(__name__)

#: The accounts every namespace gets (kube-controller-manager's defaults).
DEFAULT_ACCOUNTS = ("default",)


def is_active(namespace: dict[str, Any]) -> bool:
    """Active: not being deleted (a namespace without a phase is Active, the v1 default)."""
    phase = (namespace.get("status") or {}).get("phase") or "Active"
    return phase == "Active" and not (namespace.get("metadata") or {}).get("deletionTimestamp")


class ServiceAccountController(LifecycleController):
    name = "serviceaccount"
    component = "serviceaccount-controller"

    def __init__(
        self, context: ControllerContext, accounts: tuple[str, ...] = DEFAULT_ACCOUNTS
    ) -> None:
        super().__init__(context)
        self.accounts = accounts
        self.namespaces = self.watch(
            self.informers.informer("namespaces"),
            on_add=self._namespace_changed,
            on_update=lambda old, new: self._namespace_changed(new),
        )
        self.service_accounts = self.watch(
            self.informers.informer("serviceaccounts"), on_delete=self._account_deleted
        )

    def _namespace_changed(self, namespace: dict[str, Any]) -> None:
        self.queue.add(namespace["metadata"]["name"])

    def _account_deleted(self, account: Any) -> None:
        meta = unwrap_tombstone(account).get("metadata") or {}
        if meta.get("name") in self.accounts and meta.get("namespace"):
            self.queue.add(meta["namespace"])

    async def reconcile(self, key: str) -> float | None:
        namespace = self.namespaces.store.get(key)
        if namespace is None or not is_active(namespace):
            return None
        for account in self.accounts:
            if self.service_accounts.store.get(f"{key}/{account}") is not None:
                continue
            body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": account}}
            try:
                await self.client.create("serviceaccounts", body, key)
            except AlreadyExistsError:
                continue
            except (ForbiddenError, NotFoundError):
                # the namespace began terminating or went away meanwhile
                log.debug("serviceaccount: namespace %s no longer takes new content", key)
                return None
        return None
