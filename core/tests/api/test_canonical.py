"""The fast canonical walk gives exactly the converter's round trip, or declines."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microkube.api import StructureError, from_dict_lenient, kind_for, to_dict
from microkube.api.canonical import canonical

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"


def _documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        with path.open() as f:
            docs += [d for d in yaml.safe_load_all(f) if d is not None]
    return docs


DOCUMENTS = _documents()


def _slow(data: Any, cls: type) -> dict[str, Any] | None:
    """The converter's path; None where it reports unknown fields or refuses the data."""
    try:
        model, unknown = from_dict_lenient(data, cls)
    except StructureError:
        return None
    return None if unknown else to_dict(model)


def _cls(doc: dict[str, Any]) -> type:
    return kind_for(doc["apiVersion"], doc["kind"])


def _same(fast: Any, slow: Any) -> bool:
    """Equal as JSON, key order included (the stored bytes depend on it)."""
    return json.dumps(fast) == json.dumps(slow)


@pytest.mark.parametrize("index", range(len(DOCUMENTS)))
def test_every_manifest_is_decided_and_equals_the_round_trip(index: int) -> None:
    doc = DOCUMENTS[index]
    fast = canonical(copy.deepcopy(doc), _cls(doc))
    assert fast is not None, doc.get("metadata")
    assert _same(fast, _slow(doc, _cls(doc)))


def test_it_declines_what_the_converter_must_word() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}
    cls = _cls(pod)
    assert canonical({**pod, "spec": {"containerz": []}}, cls) is None  # unknown field
    assert canonical({**pod, "spec": {"priority": "high"}}, cls) is None  # wrong type
    assert canonical({**pod, "spec": {"priority": True}}, cls) is None  # bool is no int
    assert canonical({**pod, "metadata": {"name": "a", "creationTimestamp": "now"}}, cls) is None
    limits = {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}
    assert canonical({**pod, "spec": limits}, cls) is None
    assert canonical([], cls) is None


def test_it_canonicalises_as_the_converter_does() -> None:
    pod = {
        "kind": "Pod",
        "apiVersion": "v1",
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "i",
                    "resources": {"requests": {"cpu": "0.1", "memory": 1024}},
                    "ports": [{"containerPort": 80, "hostIP": None}],
                }
            ],
            "nodeName": None,
        },
        "metadata": {"name": "a", "creationTimestamp": "2024-01-02T03:04:05.123+01:00"},
    }
    fast = canonical(pod, _cls(pod))
    assert _same(fast, _slow(pod, _cls(pod)))
    assert fast["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "100m",
        "memory": "1024",
    }
    assert fast["metadata"]["creationTimestamp"] == "2024-01-02T02:04:05Z"
    assert list(fast) == ["apiVersion", "kind", "metadata", "spec"]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "x", "1", "100m", "1.5Gi", "2024-01-02T03:04:05Z", "80", "TCP"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name"]), inner)
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


@st.composite
def _mutated(draw: Any) -> dict[str, Any]:
    """A manifest with a few members replaced, removed or added (unknown or known names)."""
    doc = copy.deepcopy(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p and p[0] not in ("apiVersion", "kind")]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_VALUES)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["name", "extra", "value", "items"]))] = draw(_VALUES)
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_a_mutated_manifest_is_declined_or_equals_the_round_trip(doc: dict[str, Any]) -> None:
    cls = _cls(doc)
    fast = canonical(copy.deepcopy(doc), cls)
    if fast is not None:
        assert _same(fast, _slow(doc, cls))
