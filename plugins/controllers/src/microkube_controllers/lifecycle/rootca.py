"""The root-ca-cert-publisher: a ``kube-root-ca.crt`` ConfigMap in every active namespace
holding the cluster CA (``ca.crt``), which pods' projected service-account volumes mount, as
kube-controller-manager's controller of that name.

The CA is the one the controller manager itself trusts for the API server (its kubeconfig's
``certificate-authority`` or ``-data``); over plain HTTP there is none and ``ca.crt`` is empty.
A ConfigMap whose ``ca.crt`` differs is put back; one deleted is made again.
"""

from __future__ import annotations

import logging
from typing import Any

from microkube.client.errors import AlreadyExistsError, ForbiddenError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.lifecycle.base import LifecycleController
from microkube_controllers.lifecycle.serviceaccount import is_active

__all__ = ["CONFIGMAP", "RootCAPublisher", "cluster_ca"]

log = logging.getLogger(__name__)
CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION = "kubernetes.io/description"
_NOTE = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)


def cluster_ca(client: Any) -> str:
    """The CA the client verifies the API server with (PEM), empty without TLS."""
    data = getattr(getattr(client, "config", None), "ca_data", None)
    return str(data) if data else ""


class RootCAPublisher(LifecycleController):
    name = "root-ca-cert-publisher"
    component = "root-ca-cert-publisher"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        self.ca = cluster_ca(self.client)
        self.namespaces = self.watch(
            self.informers.informer("namespaces"),
            on_add=self._namespace,
            on_update=lambda old, new: self._namespace(new),
        )
        self.configmaps = self.watch(
            self.informers.informer("configmaps", field_selector=f"metadata.name={CONFIGMAP}"),
            on_update=lambda old, new: self._configmap(new),
            on_delete=self._configmap,
        )

    def _namespace(self, namespace: dict[str, Any]) -> None:
        self.queue.add(namespace["metadata"]["name"])

    def _configmap(self, configmap: Any) -> None:
        namespace = (unwrap_tombstone(configmap).get("metadata") or {}).get("namespace")
        if namespace:
            self.queue.add(namespace)

    def _body(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        body = dict(current or {"apiVersion": "v1", "kind": "ConfigMap"})
        meta = dict(body.get("metadata") or {"name": CONFIGMAP})
        meta["annotations"] = {**(meta.get("annotations") or {}), DESCRIPTION: _NOTE}
        body["metadata"] = meta
        body["data"] = {"ca.crt": self.ca}
        return body

    async def reconcile(self, key: str) -> float | None:
        namespace = self.namespaces.store.get(key)
        if namespace is None or not is_active(namespace):
            return None
        current = self.configmaps.store.get(f"{key}/{CONFIGMAP}")
        try:
            if current is None:
                await self.client.create("configmaps", self._body(), key)
            elif (current.get("data") or {}).get("ca.crt") != self.ca or len(
                current.get("data") or {}
            ) != 1:
                await self.client.replace("configmaps", self._body(current), key)
        except AlreadyExistsError:
            return 1.0  # the informer has not seen it yet: look again
        except (ForbiddenError, NotFoundError):
            log.debug("%s: namespace %s no longer takes new content", self.name, key)
        return None
