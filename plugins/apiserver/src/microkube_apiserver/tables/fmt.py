"""Cell formatters shared by the printers: labels, selectors, container lists, small lists.

Each mirrors the Kubernetes helper named in its docstring, working on Kubernetes JSON dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "LabelSelectorError",
    "bool_ptr",
    "dig",
    "format_label_selector",
    "format_labels",
    "join_host_port",
    "label_selector_string",
    "layout_containers",
    "list_with_more",
]

NONE = "<none>"
UNSET = "<unset>"


def dig(obj: Mapping[str, Any] | None, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None as soon as a step is missing or not a mapping."""
    value: Any = obj
    for key in path:
        if type(value) is not dict and not isinstance(value, Mapping):  # dict: the fast path
            return None
        value = value.get(key)
    return value


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: ``k=v`` sorted by key and comma-joined, ``<none>`` when empty."""
    if not labels:
        return NONE
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


class LabelSelectorError(ValueError):
    """A LabelSelector that ``metav1.LabelSelectorAsSelector`` refuses."""


def _requirement(key: str, operator: str, values: Sequence[str]) -> str:
    if operator == "In" or operator == "NotIn":
        if not values:
            raise LabelSelectorError(f"{key}: values must be non-empty for {operator}")
        word = " in " if operator == "In" else " notin "
        return f"{key}{word}({','.join(sorted(values))})"
    if operator == "Exists" or operator == "DoesNotExist":
        if values:
            raise LabelSelectorError(f"{key}: values must be empty for {operator}")
        return key if operator == "Exists" else f"!{key}"
    raise LabelSelectorError(f"{operator!r} is not a valid label selector operator")


def label_selector_string(selector: Mapping[str, Any] | None) -> str:
    """``LabelSelectorAsSelector(s).String()``: requirements sorted by key, comma-joined.

    ``matchLabels`` print as ``k=v``; expressions as ``k in (a,b)``, ``k notin (a)``, ``k``,
    ``!k``. A nil or empty selector prints as the empty string.
    """
    if not selector:
        return ""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key = expression.get("key") or ""
        values = [str(v) for v in expression.get("values") or []]
        requirements.append((key, _requirement(key, expression.get("operator") or "", values)))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """``metav1.FormatLabelSelector``: the selector string, ``<none>`` if empty, ``<error>``."""
    try:
        text = label_selector_string(selector)
    except LabelSelectorError:
        return "<error>"
    return text or NONE


def layout_containers(containers: Iterable[Mapping[str, Any]] | None) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, each comma-joined."""
    items = list(containers or [])
    names = ",".join(str(c.get("name") or "") for c in items)
    images = ",".join(str(c.get("image") or "") for c in items)
    return names, images


def bool_ptr(value: object) -> str:
    """``printBoolPtr``: ``True``/``False``, ``<unset>`` when nil."""
    if value is None:
        return UNSET
    return "True" if value else "False"


def join_host_port(host: str, port: object) -> str:
    """``net.JoinHostPort``: brackets around hosts containing a colon (IPv6)."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def list_with_more(items: Sequence[str], more: bool, count: int, limit: int) -> str:
    """``listWithMoreString``: ``a,b,c + N more...``, ``<unset>`` when empty."""
    text = ",".join(items)
    if more:
        return f"{text} + {count - limit} more..."
    return text or UNSET
