"""A container's environment: ``envFrom`` then ``env`` (later names win), with ConfigMaps,
Secrets and the downward API resolved and ``$(VAR)`` expanded as upstream's
``makeEnvironmentVariables``. Failures raise :class:`ContainerConfigError`, which the pod
worker reports as ``CreateContainerConfigError`` with upstream's messages."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, Protocol

from microkube_kubelet.downward import DownwardError, field_value, resource_value
from microkube_kubelet.expansion import expand, mapping_func
from microkube_kubelet.service_env import service_env

__all__ = ["ContainerConfigError", "ObjectSource", "container_env", "decode_secret_data"]

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


class ContainerConfigError(Exception):
    """What keeps a container from being created (``CreateContainerConfigError``)."""


class ObjectSource(Protocol):
    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The ConfigMap or Secret (``kind`` ``configmaps``/``secrets``), None if absent;
        transport errors propagate."""

    async def services(self, namespace: str) -> list[dict[str, Any]]:
        """The Services of ``namespace`` and ``default/kubernetes``."""


def decode_secret_data(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """A Secret's ``data`` (base64) and ``stringData`` as bytes."""
    out = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    out.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
    return out


def configmap_data(configmap: Mapping[str, Any]) -> dict[str, bytes]:
    out = {k: str(v).encode() for k, v in (configmap.get("data") or {}).items()}
    out.update({k: base64.b64decode(v) for k, v in (configmap.get("binaryData") or {}).items()})
    return out


_KINDS = {
    "configMap": ("configmaps", "configmap", "ConfigMap"),
    "secret": ("secrets", "secret", "Secret"),
}


async def _source(
    objects: ObjectSource, which: str, namespace: str, name: str, optional: bool
) -> dict[str, bytes] | None:
    plural, lower, _ = _KINDS[which]
    found = await objects.get(plural, namespace, name)
    if found is None:
        if optional:
            return None
        raise ContainerConfigError(f'{lower} "{name}" not found')
    return configmap_data(found) if which == "configMap" else decode_secret_data(found)


async def container_env(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    objects: ObjectSource,
    *,
    pod_ip: str = "",
    host_ip: str = "",
    allocatable: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    links = (pod.get("spec") or {}).get("enableServiceLinks", True) is not False
    env: dict[str, str] = service_env(await objects.services(namespace), namespace, links=links)
    for source in container.get("envFrom") or ():
        prefix = source.get("prefix") or ""
        for which, key in (("configMap", "configMapRef"), ("secret", "secretRef")):
            ref = source.get(key)
            if ref is None:
                continue
            data = await _source(
                objects, which, namespace, ref.get("name", ""), bool(ref.get("optional"))
            )
            for name, value in (data or {}).items():
                full = prefix + name
                if _ENV_NAME.match(full):  # upstream skips invalid names (with an event)
                    env[full] = value.decode(errors="replace")
    for item in container.get("env") or ():
        name = item.get("name", "")
        if "valueFrom" not in item:
            env[name] = expand(str(item.get("value", "")), mapping_func(env))
            continue
        source = item["valueFrom"] or {}
        try:
            value = await _value_from(
                pod, container, source, objects, namespace, pod_ip, host_ip, allocatable or {}
            )
        except DownwardError as exc:
            raise ContainerConfigError(str(exc)) from None
        if value is not None:
            env[name] = value
    return list(env.items())


async def _value_from(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    source: Mapping[str, Any],
    objects: ObjectSource,
    namespace: str,
    pod_ip: str,
    host_ip: str,
    allocatable: Mapping[str, str],
) -> str | None:
    if "fieldRef" in source:
        return field_value(
            pod, source["fieldRef"].get("fieldPath", ""), pod_ip=pod_ip, host_ip=host_ip
        )
    if "resourceFieldRef" in source:
        ref = source["resourceFieldRef"]
        target = container
        if ref.get("containerName"):
            target = next(
                (
                    c
                    for c in (pod.get("spec") or {}).get("containers") or ()
                    if c.get("name") == ref["containerName"]
                ),
                container,
            )
        return resource_value(target, ref.get("resource", ""), ref.get("divisor"), allocatable)
    for which, key in (("configMap", "configMapKeyRef"), ("secret", "secretKeyRef")):
        ref = source.get(key)
        if ref is None:
            continue
        optional = bool(ref.get("optional"))
        data = await _source(objects, which, namespace, ref.get("name", ""), optional)
        if data is None:
            return None
        wanted = ref.get("key", "")
        if wanted not in data:
            if optional:
                return None
            kind, name = _KINDS[which][2], ref.get("name", "")
            raise ContainerConfigError(f"couldn't find key {wanted} in {kind} {namespace}/{name}")
        return data[wanted].decode(errors="replace")
    raise ContainerConfigError("env valueFrom names no source")


def expand_command(
    container: Mapping[str, Any], env: list[tuple[str, str]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``command`` and ``args`` with ``$(VAR)`` expanded against the container's env."""
    lookup = mapping_func(dict(env))
    command = tuple(expand(str(part), lookup) for part in container.get("command") or ())
    args = tuple(expand(str(part), lookup) for part in container.get("args") or ())
    return command, args
