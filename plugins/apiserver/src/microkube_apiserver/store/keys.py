"""Where objects live in the key-value store.

``/registry/<group or "core">/<plural>/<namespace>/<name>``; cluster-scoped objects have no
namespace segment. A list reads a prefix ending in ``/`` so that ``pods/default`` never
matches ``pods/default-2``.
"""

from __future__ import annotations

__all__ = ["ROOT", "object_key", "prefix"]

ROOT = "/registry/"


def _group(group: str) -> str:
    return group or "core"


def prefix(group: str, plural: str, namespace: str | None = None) -> str:
    """The prefix of a collection: all namespaces when ``namespace`` is None or empty."""
    base = f"{ROOT}{_group(group)}/{plural}/"
    return f"{base}{namespace}/" if namespace else base


def object_key(group: str, plural: str, namespace: str | None, name: str) -> str:
    return f"{prefix(group, plural, namespace)}{name}"
