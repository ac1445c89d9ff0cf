"""Typed selector matching: label selectors, node selector terms, tolerations."""

from __future__ import annotations

from microkube_scheduler.selectors import (
    label_selector_predicate,
    node_selector_term_predicate,
    tolerates,
    untolerated_taint,
)

from microkube.api import from_dict
from microkube.api.core_v1 import NodeSelectorTerm, Taint, Toleration
from microkube.api.meta_v1 import LabelSelector


def test_label_selectors_none_matches_nothing_and_empty_everything():
    assert not label_selector_predicate(None)({"a": "b"})
    assert label_selector_predicate(from_dict({}, LabelSelector))({"a": "b"})
    selector = from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
        },
        LabelSelector,
    )
    matches = label_selector_predicate(selector)
    assert matches({"app": "web", "tier": "front"}) and not matches({"app": "web", "tier": "db"})


def test_node_selector_terms_with_gt_and_fields():
    term = from_dict(
        {
            "matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}],
            "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}],
        },
        NodeSelectorTerm,
    )
    matches = node_selector_term_predicate(term)
    assert matches({"cores": "16"}, "n1")
    assert not matches({"cores": "16"}, "n2") and not matches({"cores": "4"}, "n1")
    assert not node_selector_term_predicate(from_dict({}, NodeSelectorTerm))({}, "n1")


def test_tolerations():
    taint = from_dict({"key": "gpu", "value": "yes", "effect": "NoSchedule"}, Taint)
    exists = from_dict({"operator": "Exists"}, Toleration)
    wrong_value = from_dict({"key": "gpu", "value": "no"}, Toleration)
    other_effect = from_dict(
        {"key": "gpu", "operator": "Exists", "effect": "NoExecute"}, Toleration
    )
    assert tolerates(exists, taint)
    assert not tolerates(wrong_value, taint) and not tolerates(other_effect, taint)
    effects = frozenset({"NoSchedule"})
    assert untolerated_taint([taint], [wrong_value], effects) is taint
    assert untolerated_taint([taint], [exists], effects) is None
