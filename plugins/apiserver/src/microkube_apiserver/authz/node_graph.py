"""What each node may reach through the pods bound to it: the Secrets, ConfigMaps,
PersistentVolumeClaims and ServiceAccounts its pods reference (a simplification of Kubernetes'
node authorizer graph to an index from pods), kept current by a watch on pods."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from microkube.contracts.storage import Storage
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.store import keys

__all__ = ["NodeGraph", "PodRefs", "pod_refs"]

#: (resource, namespace, name), resource one of secrets/configmaps/persistentvolumeclaims/
#: serviceaccounts
Ref = tuple[str, str, str]


@attrs.frozen
class PodRefs:
    node: str
    namespace: str
    refs: frozenset[Ref]


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or ():
            if isinstance(container, dict):
                yield container


def _names(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for secret in spec.get("imagePullSecrets") or ():
        yield "secrets", (secret or {}).get("name", "")
    for container in _containers(spec):
        for env in container.get("env") or ():
            source = (env or {}).get("valueFrom") or {}
            if "secretKeyRef" in source:
                yield "secrets", (source["secretKeyRef"] or {}).get("name", "")
            if "configMapKeyRef" in source:
                yield "configmaps", (source["configMapKeyRef"] or {}).get("name", "")
        for env_from in container.get("envFrom") or ():
            env_from = env_from or {}
            if "secretRef" in env_from:
                yield "secrets", (env_from["secretRef"] or {}).get("name", "")
            if "configMapRef" in env_from:
                yield "configmaps", (env_from["configMapRef"] or {}).get("name", "")
    for volume in spec.get("volumes") or ():
        volume = volume or {}
        if "secret" in volume:
            yield "secrets", (volume["secret"] or {}).get("secretName", "")
        if "configMap" in volume:
            yield "configmaps", (volume["configMap"] or {}).get("name", "")
        if "persistentVolumeClaim" in volume:
            yield (
                "persistentvolumeclaims",
                (volume["persistentVolumeClaim"] or {}).get("claimName", ""),
            )
        if "ephemeral" in volume:
            yield "persistentvolumeclaims", f"{{pod}}-{volume.get('name', '')}"
        for source in ((volume.get("projected") or {}).get("sources")) or ():
            source = source or {}
            if "secret" in source:
                yield "secrets", (source["secret"] or {}).get("name", "")
            if "configMap" in source:
                yield "configmaps", (source["configMap"] or {}).get("name", "")
    yield "serviceaccounts", spec.get("serviceAccountName") or "default"


def pod_refs(pod: Mapping[str, Any]) -> PodRefs | None:
    """What a pod makes reachable for its node; None for a pod not bound to a node."""
    spec = pod.get("spec") or {}
    node = spec.get("nodeName")
    if not node:
        return None
    meta = pod.get("metadata") or {}
    namespace = str(meta.get("namespace") or "")
    refs = set()
    for resource, name in _names(spec):
        if isinstance(name, str) and name:
            refs.add((resource, namespace, name.replace("{pod}", str(meta.get("name", "")))))
    return PodRefs(node=str(node), namespace=namespace, refs=frozenset(refs))


class NodeGraph:
    """node -> how many of its pods reference each object, updated per pod change."""

    def __init__(self, storage: Storage) -> None:
        self._reachable: dict[str, Counter[Ref]] = {}
        self.pods: ObjectCache[PodRefs | None] = ObjectCache(
            storage, keys.prefix("", "pods"), pod_refs, on_change=self._changed
        )

    def start(self) -> None:
        self.pods.start()

    async def close(self) -> None:
        await self.pods.close()

    @property
    def synced(self) -> bool:
        return self.pods.synced

    def reaches(self, node: str, resource: str, namespace: str, name: str) -> bool:
        return self._reachable.get(node, Counter())[(resource, namespace, name)] > 0

    def pod_node(self, namespace: str, name: str) -> str | None:
        """The node a pod is bound to (None: unbound or unknown)."""
        refs = self.pods.get(f"{namespace}/{name}")
        return refs.node if refs is not None else None

    def _changed(self, name: str, old: PodRefs | None, new: PodRefs | None) -> None:
        if old is not None:
            counts = self._reachable.get(old.node)
            if counts is not None:
                counts.subtract(old.refs)
                for ref in old.refs:
                    if counts[ref] <= 0:
                        del counts[ref]
                if not counts:
                    del self._reachable[old.node]
        if new is not None:
            self._reachable.setdefault(new.node, Counter()).update(new.refs)
