"""ServiceAccount admission, as Kubernetes' plugin: a new pod runs as ``serviceAccountName``
(``default`` when unset) and, unless the pod or its ServiceAccount turns
``automountServiceAccountToken`` off, gets the projected token volume
``kube-api-access-<random>`` (a bound token, the cluster CA from the ``kube-root-ca.crt``
ConfigMap, the namespace) mounted read-only at ``/var/run/secrets/kubernetes.io/serviceaccount``
in every container. Mirror pods are left alone.

One deviation: Kubernetes refuses a pod whose ServiceAccount does not exist (yet); here such a
pod is admitted without the token volume, so a server without the serviceaccount controller
(the test kit's bare server) still runs pods. The lookup reads a cache following the store,
and the store itself when the cache does not know the account.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from microkube.contracts.admission import AdmissionRequest
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.store import keys

__all__ = ["MOUNT_PATH", "ROOT_CA_CONFIGMAP", "ServiceAccountAdmission", "token_volume"]

MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
VOLUME_PREFIX = "kube-api-access-"
#: Kubernetes asks for 3607 s (an hour and a bit, so the kubelet's refresh is seen early).
TOKEN_SECONDS = 3607
_MIRROR = "kubernetes.io/config.mirror"
#: rand.String's alphabet (no vowels, no confusable characters)
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _automount(account: dict[str, Any]) -> bool | None:
    value = account.get("automountServiceAccountToken")
    return value if isinstance(value, bool) else None


def _known(account: dict[str, Any]) -> tuple[bool | None]:
    """What the cache keeps of an account: its automount setting (a tuple, so an account
    without one is still present)."""
    return (_automount(account),)


def token_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "defaultMode": 0o644,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": TOKEN_SECONDS, "path": "token"}},
                {
                    "configMap": {
                        "name": ROOT_CA_CONFIGMAP,
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


class ServiceAccountAdmission:
    name = "ServiceAccount"

    def __init__(self) -> None:
        self._storage: Any = None
        self._accounts: ObjectCache[tuple[bool | None]] | None = None

    def bind_host(self, host: Any) -> None:
        self._storage = host.storage
        self._accounts = ObjectCache(host.storage, keys.prefix("", "serviceaccounts"), _known)
        self._accounts.start()

    async def close(self) -> None:
        if self._accounts is not None:
            await self._accounts.close()

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.resource.group == ""
            and request.resource.resource == "pods"
            and request.operation.value == "CREATE"
            and not request.subresource
            and isinstance(request.object, dict)
        )

    async def admit(self, request: AdmissionRequest) -> None:
        pod = request.object
        assert pod is not None
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if _MIRROR in annotations:
            return
        spec = pod.setdefault("spec", {})
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        spec["serviceAccountName"] = account
        spec["serviceAccount"] = account
        exists, automount = await self._account(request.namespace, account)
        if not exists:
            return
        wanted = spec.get("automountServiceAccountToken")
        if wanted is None:
            wanted = automount
        if wanted is False:
            return
        _mount(spec)

    async def _account(self, namespace: str, name: str) -> tuple[bool, bool | None]:
        key = f"{namespace}/{name}"
        cached = self._accounts.get(key) if self._accounts is not None else None
        if cached is not None:
            return True, cached[0]
        if self._storage is None:
            return False, None
        kv = await self._storage.get(keys.object_key("", "serviceaccounts", namespace, name))
        if kv is None:
            return False, None
        try:
            return True, _automount(json.loads(kv.value))
        except ValueError:
            return True, None


def _mount(spec: dict[str, Any]) -> None:
    existing = next(
        (
            v.get("name")
            for v in spec.get("volumes") or ()
            if isinstance(v, dict) and str(v.get("name", "")).startswith(VOLUME_PREFIX)
        ),
        None,
    )
    name = existing or VOLUME_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(5))
    added = False
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or ():
            if not isinstance(container, dict):
                continue
            mounts = container.setdefault("volumeMounts", [])
            if any(isinstance(m, dict) and m.get("mountPath") == MOUNT_PATH for m in mounts):
                continue
            mounts.append({"name": name, "readOnly": True, "mountPath": MOUNT_PATH})
            added = True
    if added and existing is None:
        if not isinstance(spec.get("volumes"), list):
            spec["volumes"] = []
        spec["volumes"].append(token_volume(name))
