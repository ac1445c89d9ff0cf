"""JSON merge patch (RFC 7386): the appendix A examples, the §3 example, kubectl bodies, and the
diff property."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microkube_apiserver.patch import apply_merge_patch, create_merge_patch

# RFC 7386 appendix A: (original, patch, result)
APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), APPENDIX_A)
def test_rfc7386_appendix_a(original: Any, patch: Any, result: Any) -> None:
    before_original, before_patch = copy.deepcopy(original), copy.deepcopy(patch)
    assert apply_merge_patch(original, patch) == result
    assert original == before_original and patch == before_patch


def test_rfc7386_section_3_example() -> None:
    original = {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
        "content": "This will be unchanged",
    }
    patch = {
        "title": "Hello!",
        "phoneNumber": "+01-123-456-7890",
        "author": {"familyName": None},
        "tags": ["example"],
    }
    assert apply_merge_patch(original, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["example"],
        "content": "This will be unchanged",
        "phoneNumber": "+01-123-456-7890",
    }


def test_kubectl_label_and_annotate_bodies() -> None:
    pod = {"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}, "spec": {}}
    labelled = apply_merge_patch(pod, {"metadata": {"labels": {"env": "prod", "tier": None}}})
    assert labelled["metadata"]["labels"] == {"app": "web", "env": "prod"}
    annotated = apply_merge_patch(labelled, {"metadata": {"annotations": {"note": "x"}}})
    assert annotated["metadata"]["annotations"] == {"note": "x"}
    assert annotated["metadata"]["labels"] == {"app": "web", "env": "prod"}


def test_kubectl_scale_body_on_the_scale_subresource() -> None:
    scale = {"kind": "Scale", "apiVersion": "autoscaling/v1", "spec": {"replicas": 2}}
    assert apply_merge_patch(scale, {"spec": {"replicas": 5}})["spec"] == {"replicas": 5}


def test_lists_replace_wholesale() -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}]}}
    result = apply_merge_patch(pod, {"spec": {"containers": [{"name": "a", "image": "y"}]}})
    assert result == {"spec": {"containers": [{"name": "a", "image": "y"}]}}


def test_create_merge_patch_is_minimal() -> None:
    original = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}
    modified = {"a": 1, "b": {"c": 4, "d": 3}, "f": True}
    assert create_merge_patch(original, modified) == {"b": {"c": 4}, "e": None, "f": True}


# -- properties ---------------------------------------------------------------------------------

scalars = (
    st.booleans() | st.integers(-1000, 1000) | st.floats(allow_nan=False) | st.text(max_size=3)
)
keys = st.sampled_from(["a", "b", "c", "d"])
# Merge patches cannot set a member to null, so targets have none inside objects; arrays are
# replaced whole, so nulls inside them are fine.
documents = st.recursive(
    scalars,
    lambda inner: (
        st.dictionaries(keys, inner, max_size=4) | st.lists(inner | st.none(), max_size=3)
    ),
    max_leaves=12,
)
objects = st.dictionaries(keys, documents, max_size=4)


@given(objects, objects)
def test_applying_the_diff_yields_the_target(original: Any, target: Any) -> None:
    patch = create_merge_patch(original, target)
    assert apply_merge_patch(original, patch) == target


@given(objects, objects)
def test_applying_twice_changes_nothing_more(original: Any, patch: Any) -> None:
    once = apply_merge_patch(original, patch)
    assert apply_merge_patch(once, patch) == once


@given(objects)
def test_empty_patch_is_identity_and_self_diff_is_empty(document: Any) -> None:
    assert apply_merge_patch(document, {}) == document
    assert create_merge_patch(document, document) == {}
