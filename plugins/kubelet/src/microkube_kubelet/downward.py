"""The downward API: pod fields and container resources as env values and volume files."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from microkube.api.quantity import Quantity

__all__ = ["DownwardError", "field_value", "format_map", "resource_value"]

_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class DownwardError(ValueError):
    """A field or resource the downward API does not serve."""


def format_map(values: Mapping[str, str]) -> str:
    """Labels/annotations as a downward volume file: ``key="value"`` lines, sorted."""
    return "\n".join(f'{k}="{_escape(v)}"' for k, v in sorted(values.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def field_value(
    pod: Mapping[str, Any], path: str, *, pod_ip: str = "", host_ip: str = "", volume: bool = False
) -> str:
    """The value of ``fieldRef.fieldPath``; ``volume`` allows the whole label/annotation maps."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    match = _SUBSCRIPT.match(path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    if path in ("metadata.labels", "metadata.annotations"):
        if not volume:
            raise DownwardError(f"{path} is only supported in downwardAPI volumes")
        return format_map(meta.get(path.split(".")[1]) or {})
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": pod_ip,
        "status.podIPs": pod_ip,
        "status.hostIP": host_ip,
        "status.hostIPs": host_ip,
    }
    if path not in simple:
        raise DownwardError(f'unsupported fieldPath "{path}"')
    return str(simple[path] or "")


def resource_value(
    container: Mapping[str, Any],
    resource: str,
    divisor: str | None,
    allocatable: Mapping[str, str],
) -> str:
    """``resourceFieldRef``: the request or limit divided by ``divisor`` and rounded up; an
    unset limit reads as the node's allocatable (as upstream)."""
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests") or name not in ("cpu", "memory", "ephemeral-storage"):
        raise DownwardError(f'unsupported resource "{resource}"')
    resources = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(name)
    if raw is None and kind == "limits":
        raw = allocatable.get(name)
    if raw is None:
        raw = "0"
    value = Quantity(str(raw)).as_decimal()
    base = Quantity(str(divisor or "1")).as_decimal()
    if base <= 0:
        raise DownwardError(f"divisor {divisor!r} must be positive")
    result = value / base
    rounded = math.ceil(result) if result > 0 else 0
    if name == "cpu" and rounded == 0 and value > 0:
        rounded = 1
    return str(int(Decimal(rounded)))
