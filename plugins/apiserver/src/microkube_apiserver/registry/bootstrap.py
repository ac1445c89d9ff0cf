"""What exists as soon as the API server serves: the four default namespaces, the
``kubernetes`` Service (first address of the service CIDR, port 443 → the server's port)
with its Endpoints, and the system PriorityClasses, as kube-apiserver's bootstrap
controllers keep them."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target, WriteOptions
from microkube_apiserver.registry.create import create_object
from microkube_apiserver.registry.decoding import normalize
from microkube_apiserver.registry.meta import prepare_update
from microkube_apiserver.registry.update import guaranteed_update
from microkube_apiserver.system_priority_classes import SYSTEM_PRIORITY_CLASSES

__all__ = ["DEFAULT_NAMESPACES", "bootstrap", "kubernetes_service_ip"]

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_MANAGER = WriteOptions(field_manager="kube-apiserver", field_validation="Strict")


def kubernetes_service_ip(service_cidr: str) -> str:
    return str(ipaddress.ip_network(service_cidr)[1])


async def _ensure(
    api: Api,
    plural: str,
    namespace: str,
    obj: dict[str, Any],
    *,
    sync: bool,
    group: str = "",
) -> None:
    """Create ``obj`` if missing; with ``sync`` make an existing one's spec/subsets match."""
    resource = api.resource(group, plural)
    assert resource is not None
    name = obj["metadata"]["name"]
    target = Target(resource, namespace=namespace, name=name)
    obj, _ = normalize(obj, resource.gvk, "Strict")
    if await api.storage.get(target.key) is None:
        try:
            await create_object(api, Target(resource, namespace=namespace), obj, _MANAGER)
        except errors.ApiError as exc:
            if exc.code != 409:
                raise
        return
    if not sync:
        return

    async def transform(current: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(current)
        for field in ("spec", "subsets"):
            if field in obj:
                merged = {**(new.get(field) or {}), **obj[field]} if field == "spec" else obj[field]
                new[field] = merged
        prepare_update(new, current, target)
        return new

    await guaranteed_update(api, target, transform, _MANAGER)


async def bootstrap(api: Api, port: int) -> None:
    for name in DEFAULT_NAMESPACES:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        await _ensure(api, "namespaces", "", namespace, sync=False)
    ip = kubernetes_service_ip(api.options.service_cidr)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
        },
    }
    await _ensure(api, "services", "default", service, sync=True)
    address = api.options.bind_address
    if address in ("0.0.0.0", "::", ""):
        address = "127.0.0.1"
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [
            {
                "addresses": [{"ip": address}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
            }
        ],
    }
    await _ensure(api, "endpoints", "default", endpoints, sync=True)
    if api.resource("scheduling.k8s.io", "priorityclasses") is not None:
        for system_class in SYSTEM_PRIORITY_CLASSES.values():
            await _ensure(
                api,
                "priorityclasses",
                "",
                system_class.to_object(),
                sync=False,
                group="scheduling.k8s.io",
            )
    if api.resource("rbac.authorization.k8s.io", "clusterroles") is not None:
        from microkube_apiserver.authz.reconcile import reconcile_bootstrap_policy

        await reconcile_bootstrap_policy(api)
