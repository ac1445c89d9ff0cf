"""Matching of the typed selectors pods carry: label selectors, node selector terms and
tolerations against taints (as ``k8s.io/component-helpers/scheduling/corev1``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Labels = Mapping[str, str]
LabelPredicate = Callable[[Labels], bool]


def _nothing(labels: Labels) -> bool:
    return False


def _everything(labels: Labels) -> bool:
    return True


def label_selector_predicate(selector: Any) -> LabelPredicate:
    """A predicate for a typed ``LabelSelector``: None matches nothing, empty everything."""
    if selector is None:
        return _nothing
    checks: list[LabelPredicate] = []
    for key, value in (selector.match_labels or {}).items():
        checks.append(lambda labels, k=key, v=value: labels.get(k) == v)
    for requirement in selector.match_expressions or ():
        checks.append(_requirement(requirement.key, requirement.operator, requirement.values))
    if not checks:
        return _everything
    if len(checks) == 1:
        return checks[0]
    return lambda labels: all(check(labels) for check in checks)


def _requirement(key: str, operator: str, values: Sequence[str] | None) -> LabelPredicate:
    wanted = frozenset(values or ())
    if operator == "In":
        return lambda labels: labels.get(key) in wanted
    if operator == "NotIn":
        return lambda labels: labels.get(key) not in wanted
    if operator == "Exists":
        return lambda labels: key in labels
    if operator == "DoesNotExist":
        return lambda labels: key not in labels
    if operator in ("Gt", "Lt"):
        try:
            bound = int(next(iter(wanted)))
        except (StopIteration, ValueError):
            return _nothing
        greater = operator == "Gt"

        def compare(labels: Labels) -> bool:
            try:
                value = int(labels[key])
            except (KeyError, ValueError):
                return False
            return value > bound if greater else value < bound

        return compare
    return _nothing


def node_selector_term_predicate(term: Any) -> Callable[[Labels, str], bool]:
    """A predicate on (node labels, node name) for one ``NodeSelectorTerm``; an empty term
    matches nothing, as upstream."""
    expressions = [_requirement(r.key, r.operator, r.values) for r in term.match_expressions or ()]
    fields = [
        _requirement("metadata.name", r.operator, r.values)
        for r in term.match_fields or ()
        if r.key == "metadata.name"
    ]
    if not expressions and not term.match_fields:
        return lambda labels, name: False

    def matches(labels: Labels, name: str) -> bool:
        if not all(check(labels) for check in expressions):
            return False
        if fields:
            as_labels = {"metadata.name": name}
            return all(check(as_labels) for check in fields)
        return True

    return matches


def node_selector_predicate(selector: Any) -> Callable[[Labels, str], bool]:
    """``NodeSelector``: the terms are ORed."""
    terms = [node_selector_term_predicate(t) for t in selector.node_selector_terms or ()]
    return lambda labels, name: any(term(labels, name) for term in terms)


def tolerates(toleration: Any, taint: Any) -> bool:
    """``Toleration.ToleratesTaint``."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    operator = toleration.operator or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.value or "") == (taint.value or "")
    return False


def untolerated_taint(
    taints: Sequence[Any], tolerations: Sequence[Any], effects: frozenset[str]
) -> Any | None:
    """The first taint with one of ``effects`` no toleration tolerates, or None."""
    for taint in taints:
        if taint.effect not in effects:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None
