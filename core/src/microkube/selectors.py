"""Label and field selectors, as the API server parses and applies them (``?labelSelector=``,
``?fieldSelector=``), and ``LabelSelector`` objects (``matchLabels``/``matchExpressions``) as
controllers apply them to their pods.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Matcher = Callable[[Mapping[str, Any]], bool]

_SET = re.compile(r"^(?P<key>[^\s!=<>(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_CMP = re.compile(r"^(?P<key>[^\s!=<>(),]+)\s*(?P<op>==|=|!=|>|<)\s*(?P<value>[^\s!=<>(),]*)$")
_EXISTS = re.compile(r"^(?P<neg>!?)\s*(?P<key>[^\s!=<>(),]+)$")
_FIELD = re.compile(r"^(?P<path>[^\s!=]+)\s*(?P<op>==|=|!=)\s*(?P<value>.*)$")


class SelectorError(ValueError):
    """A selector that does not parse; the text is the API server's 400 message."""


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _label_requirement(text: str) -> Callable[[Mapping[str, str]], bool]:
    if m := _SET.match(text):
        key, values = m["key"], {v.strip() for v in m["values"].split(",") if v.strip()}
        if m["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _CMP.match(text):
        key, op, value = m["key"], m["op"], m["value"]
        if op in ("=", "=="):
            return lambda labels: labels.get(key) == value
        if op == "!=":
            return lambda labels: labels.get(key) != value
        try:
            bound = int(value)
        except ValueError:
            raise SelectorError(f"unable to parse requirement: {text!r}: not an integer") from None
        if op == ">":
            return lambda labels: _int(labels.get(key)) > bound
        return lambda labels: _int(labels.get(key)) < bound
    if m := _EXISTS.match(text):
        key = m["key"]
        if m["neg"]:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement: {text!r}")


def _int(value: str | None) -> float:
    try:
        return int(value) if value is not None else float("nan")
    except ValueError:
        return float("nan")


def label_matcher(selector: str | None) -> Matcher:
    """A predicate on objects for a label selector (``a=b,c in (d,e),!f``...)."""
    if not selector or not selector.strip():
        return lambda obj: True
    requirements = [_label_requirement(part) for part in _split_top_level(selector)]

    def matches(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(requirement(labels) for requirement in requirements)

    return matches


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """A field's value as a selector compares it: missing fields are the empty string."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_matcher(selector: str | None) -> Matcher:
    """A predicate for a field selector (``metadata.name=x,spec.nodeName!=``), any dotted path."""
    if not selector or not selector.strip():
        return lambda obj: True
    terms = []
    for part in _split_top_level(selector):
        m = _FIELD.match(part)
        if m is None:
            raise SelectorError(f"invalid selector: {selector!r}; can't understand {part!r}")
        terms.append((m["path"], m["op"] != "!=", m["value"]))

    def matches(obj: Mapping[str, Any]) -> bool:
        return all((field_value(obj, path) == value) == equal for path, equal, value in terms)

    return matches


def label_selector_matcher(
    selector: Mapping[str, Any] | None,
) -> Callable[[Mapping[str, str]], bool]:
    """A predicate on a labels mapping for a ``LabelSelector`` object (Kubernetes JSON).

    As ``metav1.LabelSelectorAsSelector``: None matches nothing, an empty selector matches
    everything; ``matchLabels`` and every ``matchExpressions`` entry must all hold.
    """
    if selector is None:
        return lambda labels: False
    checks: list[Callable[[Mapping[str, str]], bool]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        checks.append(lambda labels, k=key, v=value: labels.get(k) == v)
    for expression in selector.get("matchExpressions") or []:
        checks.append(_expression(expression))
    return lambda labels: all(check(labels) for check in checks)


def _expression(expression: Mapping[str, Any]) -> Callable[[Mapping[str, str]], bool]:
    key = expression.get("key")
    operator = expression.get("operator")
    values = set(expression.get("values") or [])
    if not key:
        raise SelectorError("matchExpressions: key is required")
    if operator in ("In", "NotIn") and not values:
        raise SelectorError(f"matchExpressions[{key}]: values must be non-empty for {operator}")
    if operator in ("Exists", "DoesNotExist") and values:
        raise SelectorError(f"matchExpressions[{key}]: values must be empty for {operator}")
    if operator == "In":
        return lambda labels: labels.get(key) in values
    if operator == "NotIn":
        return lambda labels: labels.get(key) not in values
    if operator == "Exists":
        return lambda labels: key in labels
    if operator == "DoesNotExist":
        return lambda labels: key not in labels
    raise SelectorError(
        f"matchExpressions[{key}]: {operator!r} is not a valid label selector operator"
    )
