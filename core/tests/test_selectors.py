"""Selectors: query-string label/field selectors and LabelSelector objects."""

from __future__ import annotations

import pytest

from microkube.selectors import (
    SelectorError,
    field_matcher,
    label_matcher,
    label_selector_matcher,
)


def _obj(labels=None, **fields):
    return {"metadata": {"name": "web", "namespace": "default", "labels": labels or {}}, **fields}


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("tier in (front, back)", {"tier": "back"}, True),
        ("tier notin (front)", {}, True),
        ("app,!legacy", {"app": "x"}, True),
        ("app,!legacy", {"app": "x", "legacy": "1"}, False),
        ("gen>2", {"gen": "3"}, True),
        ("gen<2", {"gen": "x"}, False),
        ("app=web,tier in (a,b)", {"app": "web", "tier": "c"}, False),
        ("", {}, True),
    ],
)
def test_label_selector_strings(selector, labels, expected):
    assert label_matcher(selector)(_obj(labels)) is expected


def test_label_selector_parse_errors():
    with pytest.raises(SelectorError, match="unable to parse requirement"):
        label_matcher("app===web")
    with pytest.raises(SelectorError, match="not an integer"):
        label_matcher("gen>two")


def test_field_selectors():
    pod = _obj(spec={"nodeName": "n1"}, status={"phase": "Running"})
    assert field_matcher("metadata.name=web,spec.nodeName=n1")(pod)
    assert field_matcher("status.phase!=Pending")(pod)
    assert not field_matcher("spec.nodeName=")(pod)
    assert field_matcher("spec.nodeName=")(_obj())
    with pytest.raises(SelectorError, match="can't understand"):
        field_matcher("spec.nodeName")


def test_label_selector_objects_as_controllers_use_them():
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "edge"]},
            {"key": "canary", "operator": "DoesNotExist"},
        ],
    }
    matches = label_selector_matcher(selector)
    assert matches({"app": "web", "tier": "edge"})
    assert not matches({"app": "web", "tier": "edge", "canary": "1"})
    assert not matches({"app": "web"})
    assert label_selector_matcher({})({"anything": "x"})
    assert not label_selector_matcher(None)({"app": "web"})


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"key": "a", "operator": "In"}, "values must be non-empty for In"),
        ({"key": "a", "operator": "Exists", "values": ["x"]}, "values must be empty"),
        ({"key": "a", "operator": "Near", "values": ["x"]}, "'Near' is not a valid"),
        ({"operator": "Exists"}, "key is required"),
    ],
)
def test_invalid_label_selector_objects(expression, message):
    with pytest.raises(SelectorError, match=message):
        label_selector_matcher({"matchExpressions": [expression]})
