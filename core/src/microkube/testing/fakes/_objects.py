"""Read the few fields fakes need from API objects, whatever their form.

Contracts type Nodes, Services and Pods as ``Any``: a fake may get ``microkube.api`` models,
Kubernetes JSON dicts, or (for convenience in tests) a bare name string.
"""

from __future__ import annotations

from typing import Any


def _get(obj: Any, python: str, json: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(json)
    return getattr(obj, python, None)


def name_of(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    metadata = _get(obj, "metadata", "metadata")
    name = _get(metadata, "name", "name") if metadata is not None else None
    if not name:
        raise ValueError(f"object has no metadata.name: {obj!r}")
    return name


def namespace_of(obj: Any) -> str:
    if isinstance(obj, str):
        return "default"
    metadata = _get(obj, "metadata", "metadata")
    return (_get(metadata, "namespace", "namespace") if metadata is not None else None) or ""


def provider_id_of(node: Any) -> str:
    if isinstance(node, str):
        return ""
    spec = _get(node, "spec", "spec")
    return (_get(spec, "provider_id", "providerID") if spec is not None else None) or ""
