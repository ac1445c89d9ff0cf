"""NodeRestriction, as Kubernetes' admission plugin: a kubelet (``system:node:<name>`` in
``system:nodes``) may create only mirror pods bound to itself that reference no secrets,
configmaps, claims or service accounts; update only the status of, and delete only, pods bound
to itself; create, update or delete only its own Node; and request service-account tokens only
bound to its own pods (:func:`check_node_token_request`, called by the TokenRequest handler).
Other users pass untouched."""

from __future__ import annotations

from typing import Any

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Operation, UserInfo
from microkube_apiserver import errors
from microkube_apiserver.authz.node import node_name

__all__ = ["MIRROR_ANNOTATION", "NodeRestriction", "check_node_token_request"]

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def _deny(message: str) -> AdmissionDenied:
    return AdmissionDenied(message)


def _pod_node(obj: dict[str, Any] | None) -> str:
    return str(((obj or {}).get("spec") or {}).get("nodeName") or "")


def _references(spec: dict[str, Any]) -> str | None:
    """What a mirror pod must not reference, named as upstream's messages do."""
    if spec.get("serviceAccountName") not in (None, ""):
        return "serviceaccounts"
    for volume in spec.get("volumes") or ():
        volume = volume or {}
        if "secret" in volume:
            return "secrets"
        if "configMap" in volume:
            return "configmaps"
        if "persistentVolumeClaim" in volume or "ephemeral" in volume:
            return "persistentvolumeclaims"
        for source in (volume.get("projected") or {}).get("sources") or ():
            for kind, name in (
                ("secret", "secrets"),
                ("configMap", "configmaps"),
                ("serviceAccountToken", "serviceaccounts"),
            ):
                if kind in (source or {}):
                    return name
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or ():
            for env in (container or {}).get("env") or ():
                source = (env or {}).get("valueFrom") or {}
                if "secretKeyRef" in source:
                    return "secrets"
                if "configMapKeyRef" in source:
                    return "configmaps"
            for env_from in (container or {}).get("envFrom") or ():
                if "secretRef" in (env_from or {}):
                    return "secrets"
                if "configMapRef" in (env_from or {}):
                    return "configmaps"
    return None


class NodeRestriction:
    name = "NodeRestriction"

    def handles(self, request: AdmissionRequest) -> bool:
        resource = request.resource
        return (
            resource.group == ""
            and resource.resource in ("pods", "nodes")
            and node_name(request.user) is not None
        )

    async def validate(self, request: AdmissionRequest) -> None:
        node = node_name(request.user) or ""
        if request.resource.resource == "nodes":
            if request.name != node:
                raise _deny(f'node "{node}" is not allowed to modify node "{request.name}"')
            return
        if request.subresource == "status":
            if _pod_node(request.old_object) != node:
                raise _deny(
                    f'node "{node}" can only update pod status for pods with spec.nodeName '
                    "set to itself"
                )
            return
        if request.subresource:
            return
        if request.operation is Operation.CREATE:
            self._mirror_pod(node, request.object or {})
        elif request.operation is Operation.DELETE:
            if _pod_node(request.old_object) != node:
                raise _deny(f'node "{node}" can only delete pods with spec.nodeName set to itself')
        else:
            raise _deny(
                f'unexpected operation "{request.operation.value}", node "{node}" can only '
                "create and delete mirror pods"
            )

    @staticmethod
    def _mirror_pod(node: str, pod: dict[str, Any]) -> None:
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if MIRROR_ANNOTATION not in annotations:
            raise _deny(
                f'pod does not have "{MIRROR_ANNOTATION}" annotation, node "{node}" can only '
                "create mirror pods"
            )
        if _pod_node(pod) != node:
            raise _deny(f'node "{node}" can only create pods with spec.nodeName set to itself')
        referenced = _references(pod.get("spec") or {})
        if referenced:
            raise _deny(f'node "{node}" can not create pods that reference {referenced}')


def check_node_token_request(user: UserInfo, account: str, bound: Any) -> None:
    """NodeRestriction for ``serviceaccounts/<name>/token`` (which runs no admission chain
    here): a kubelet's token must be bound to a pod on its own node. ``bound`` is the
    TokenRequest's resolved bound object (``kind``, ``node_name``) or None."""
    node = node_name(user)
    if node is None:
        return
    if bound is None:
        detail = "node requested token not bound to a pod"
    elif bound.kind != "Pod":
        detail = f"node requested token bound to a {bound.kind}"
    elif (bound.node_name or "") != node:
        detail = "node requested token bound to a pod scheduled on a different node"
    else:
        return
    raise errors.forbidden("", "serviceaccounts", account, detail)
