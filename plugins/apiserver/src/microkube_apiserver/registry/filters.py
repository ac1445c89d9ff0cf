"""``labelSelector`` and ``fieldSelector`` of a list or watch, as one predicate on objects.

Field selectors may only name the fields Kubernetes makes selectable for the kind
(:mod:`.rules`); anything else is ``400 field label not supported: <label>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from microkube.selectors import SelectorError, field_value, label_matcher
from microkube_apiserver.errors import bad_request
from microkube_apiserver.registry.rules import FIELD_DEFAULTS, FIELD_PATHS, KindRules

__all__ = ["Predicate", "build_predicate"]

Predicate = Callable[[Mapping[str, Any]], bool]

_TERM = re.compile(r"^(?P<label>[^\s!=]+)\s*(?P<op>==|=|!=)\s*(?P<value>.*)$")


def _field_terms(selector: str, rules: KindRules) -> list[tuple[str, bool, str]]:
    terms = []
    for part in (p.strip() for p in selector.split(",")):
        if not part:
            continue
        match = _TERM.match(part)
        if match is None:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{part}'")
        label = match["label"]
        if label not in rules.selectable_fields:
            raise bad_request(f"field label not supported: {label}")
        terms.append((label, match["op"] != "!=", match["value"].strip()))
    return terms


def _value(obj: Mapping[str, Any], label: str) -> str:
    return field_value(obj, FIELD_PATHS.get(label, label)) or FIELD_DEFAULTS.get(label, "")


def build_predicate(
    label_selector: str | None, field_selector: str | None, rules: KindRules
) -> Predicate | None:
    """The predicate of the two selectors, or None when neither restricts anything."""
    try:
        labels = label_matcher(label_selector) if label_selector else None
    except SelectorError as exc:
        raise bad_request(str(exc)) from None
    fields = _field_terms(field_selector, rules) if field_selector else []
    if labels is None and not fields:
        return None

    def matches(obj: Mapping[str, Any]) -> bool:
        if labels is not None and not labels(obj):
            return False
        return all((_value(obj, label) == value) == equal for label, equal, value in fields)

    return matches
