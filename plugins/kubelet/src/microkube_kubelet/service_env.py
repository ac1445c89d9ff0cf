"""Service environment variables, as upstream's ``envvars.FromServices``: for every Service
of the pod's namespace (only the ``kubernetes`` Service of ``default`` when
``enableServiceLinks`` is false) ``<NAME>_SERVICE_HOST``/``_SERVICE_PORT[_<PORT>]`` and the
Docker-link style ``<NAME>_PORT...`` variables. They come first; the container's own env wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["service_env"]


def _name(text: str) -> str:
    return text.upper().replace("-", "_")


def _one(service: Mapping[str, Any]) -> list[tuple[str, str]]:
    spec = service.get("spec") or {}
    ip = spec.get("clusterIP") or ""
    ports = spec.get("ports") or []
    if not ip or ip == "None" or not ports:
        return []
    name = _name((service.get("metadata") or {}).get("name", ""))
    out = [(f"{name}_SERVICE_HOST", ip), (f"{name}_SERVICE_PORT", str(ports[0].get("port", "")))]
    for port in ports:
        if port.get("name"):
            out.append((f"{name}_SERVICE_PORT_{_name(port['name'])}", str(port.get("port", ""))))
    first = ports[0]
    first_protocol = (first.get("protocol") or "TCP").lower()
    out.append((f"{name}_PORT", f"{first_protocol}://{ip}:{first.get('port', '')}"))
    for port in ports:
        protocol = port.get("protocol") or "TCP"
        number = str(port.get("port", ""))
        prefix = f"{name}_PORT_{number}_{protocol.upper()}"
        out += [
            (prefix, f"{protocol.lower()}://{ip}:{number}"),
            (f"{prefix}_PROTO", protocol.lower()),
            (f"{prefix}_PORT", number),
            (f"{prefix}_ADDR", ip),
        ]
    return out


def service_env(
    services: Iterable[Mapping[str, Any]], namespace: str, *, links: bool
) -> dict[str, str]:
    """The variables for a pod in ``namespace``; ``services`` are those of that namespace
    and the ``default/kubernetes`` Service."""
    env: dict[str, str] = {}
    chosen = []
    for service in services:
        meta = service.get("metadata") or {}
        master = meta.get("namespace") == "default" and meta.get("name") == "kubernetes"
        if master or (links and meta.get("namespace") == namespace):
            chosen.append(service)
    for service in chosen:
        env.update(_one(service))
    return env
