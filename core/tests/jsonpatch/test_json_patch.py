"""JSON Patch (RFC 6902): the appendix A examples, pointer escaping, error codes, properties."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microkube_apiserver.patch import PatchError, apply_json_patch, decode_json

from microkube.jsonpatch.json_patch import parse_pointer

# RFC 6902 appendix A: (section, document, patch, result)
APPENDIX_A = [
    (
        "A.1 adding an object member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2 adding an array element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    (
        "A.3 removing an object member",
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (
        "A.4 removing an array element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5 replacing a value",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6 moving a value",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7 moving an array element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8 testing a value: success",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10 adding a nested member object",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11 ignoring unrecognized elements",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        "A.14 ~ escape ordering",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    (
        "A.16 adding an array value",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
]


@pytest.mark.parametrize(
    ("document", "patch", "result"),
    [case[1:] for case in APPENDIX_A],
    ids=[case[0] for case in APPENDIX_A],
)
def test_rfc6902_appendix_a(document: Any, patch: list[Any], result: Any) -> None:
    before = copy.deepcopy(document)
    assert apply_json_patch(document, patch) == result
    assert document == before  # inputs are never modified


def test_a9_failed_test_is_422_naming_op_and_path() -> None:
    with pytest.raises(PatchError) as err:
        apply_json_patch({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}])
    assert err.value.code == 422
    assert err.value.reason == "Invalid"
    assert "operation 0" in str(err.value) and "/baz" in str(err.value)


def test_a12_adding_to_a_nonexistent_target_is_422() -> None:
    with pytest.raises(PatchError) as err:
        apply_json_patch({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}])
    assert err.value.code == 422
    assert "/baz/bat" in str(err.value)


def test_a13_duplicate_op_member_is_rejected_at_decode() -> None:
    body = '[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'
    with pytest.raises(PatchError) as err:
        decode_json(body)
    assert err.value.code == 400


def test_a15_string_and_number_are_not_equal() -> None:
    with pytest.raises(PatchError) as err:
        apply_json_patch({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}])
    assert err.value.code == 422


def test_later_failure_discards_every_earlier_operation() -> None:
    doc = {"a": 1}
    with pytest.raises(PatchError) as err:
        apply_json_patch(
            doc, [{"op": "replace", "path": "/a", "value": 2}, {"op": "remove", "path": "/b"}]
        )
    assert "operation 1 (remove /b)" in str(err.value)
    assert doc == {"a": 1}


def test_rollout_undo_body_replaces_template_and_annotations() -> None:
    deployment = {
        "metadata": {"name": "hello", "annotations": {"deployment.kubernetes.io/revision": "3"}},
        "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:2"}]}}},
    }
    template = {"spec": {"containers": [{"name": "nginx", "image": "nginx:1"}]}}
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {
            "op": "replace",
            "path": "/metadata/annotations",
            "value": {"deployment.kubernetes.io/revision": "2"},
        },
    ]
    result = apply_json_patch(deployment, patch)
    assert result["spec"]["template"] == template
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    assert result["spec"]["template"] is not template  # values are copied in


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"op": "add"}, 400),  # not a list
        ([["add"]], 400),  # operation not an object
        ([{"path": "/a", "value": 1}], 400),  # no op
        ([{"op": "frobnicate", "path": "/a"}], 400),
        ([{"op": "add", "value": 1}], 400),  # no path
        ([{"op": "add", "path": "a", "value": 1}], 400),  # pointer without leading /
        ([{"op": "add", "path": "/a~2", "value": 1}], 400),  # bad escape
        ([{"op": "add", "path": "/a"}], 400),  # no value
        ([{"op": "copy", "path": "/a"}], 400),  # no from
        ([{"op": "remove", "path": "/missing"}], 422),
        ([{"op": "replace", "path": "/missing", "value": 1}], 422),
        ([{"op": "add", "path": "/list/5", "value": 1}], 422),  # past the end
        ([{"op": "add", "path": "/list/01", "value": 1}], 422),  # leading zero
        ([{"op": "remove", "path": "/list/-"}], 422),  # "-" only adds
        ([{"op": "move", "from": "/obj", "path": "/obj/child"}], 422),
        ([{"op": "add", "path": "/scalar/x", "value": 1}], 422),
        ([{"op": "remove", "path": ""}], 422),
    ],
)
def test_errors_have_the_right_code(patch: Any, code: int) -> None:
    doc = {"list": [1, 2], "obj": {"k": "v"}, "scalar": 3}
    with pytest.raises(PatchError) as err:
        apply_json_patch(doc, patch)
    assert err.value.code == code
    assert "\n" not in str(err.value)


def test_root_pointer_replaces_and_adds_whole_document() -> None:
    assert apply_json_patch({"a": 1}, [{"op": "replace", "path": "", "value": [1]}]) == [1]
    assert apply_json_patch({"a": 1}, [{"op": "add", "path": "", "value": {"b": 2}}]) == {"b": 2}


def test_copy_deep_copies_and_move_onto_itself_is_a_no_op() -> None:
    result = apply_json_patch(
        {"a": {"x": [1]}},
        [
            {"op": "copy", "from": "/a", "path": "/b"},
            {"op": "add", "path": "/b/x/-", "value": 2},
            {"op": "move", "from": "/a", "path": "/a"},
        ],
    )
    assert result == {"a": {"x": [1]}, "b": {"x": [1, 2]}}


def test_test_op_uses_json_equality() -> None:
    doc = {"n": 1, "flag": True, "obj": {"a": 1, "b": [1.0]}}
    apply_json_patch(doc, [{"op": "test", "path": "/n", "value": 1.0}])
    apply_json_patch(doc, [{"op": "test", "path": "/obj", "value": {"b": [1], "a": 1}}])
    for wrong in (1, "true"):  # a boolean is neither a number nor a string
        with pytest.raises(PatchError):
            apply_json_patch(doc, [{"op": "test", "path": "/flag", "value": wrong}])


def test_pointer_unescaping() -> None:
    assert parse_pointer("") == []
    assert parse_pointer("/a~1b/m~0n/~01") == ["a/b", "m~n", "~1"]
    assert parse_pointer("/") == [""]


# -- properties ---------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@st.composite
def add_targets(draw: st.DrawFn) -> tuple[Any, str, str]:
    """A document, a pointer where ``add`` may write, and the pointer it ends up at."""
    doc = draw(st.dictionaries(st.text(max_size=3), json_values, max_size=4))
    node: Any = doc
    tokens: list[str] = []
    while True:
        children = list(node) if isinstance(node, dict) else list(range(len(node)))
        containers = [c for c in children if isinstance(node[c], dict | list)]
        if not containers or not draw(st.booleans()):
            break
        chosen = draw(st.sampled_from(containers))
        tokens.append(str(chosen))
        node = node[chosen]
    if isinstance(node, dict):
        last = draw(st.text(max_size=3))
        final = last
    else:
        index = draw(st.integers(0, len(node)))
        last = draw(st.sampled_from(["-", str(index)])) if index == len(node) else str(index)
        final = str(index)
    prefix = "".join("/" + _escape(t) for t in tokens)
    return doc, f"{prefix}/{_escape(last)}", f"{prefix}/{_escape(final)}"


@given(add_targets(), json_values)
def test_test_succeeds_after_add(target: tuple[Any, str, str], value: Any) -> None:
    doc, path, lands_at = target
    before = copy.deepcopy(doc)
    patch = [
        {"op": "add", "path": path, "value": value},
        {"op": "test", "path": lands_at, "value": value},
    ]
    apply_json_patch(doc, patch)
    assert doc == before


@given(add_targets(), json_values)
def test_add_then_remove_leaves_the_target_absent(target: tuple[Any, str, str], value: Any) -> None:
    doc, path, lands_at = target
    added = apply_json_patch(doc, [{"op": "add", "path": path, "value": value}])
    restored = apply_json_patch(added, [{"op": "remove", "path": lands_at}])
    expected = copy.deepcopy(doc)
    *parents, last = parse_pointer(lands_at)
    parent: Any = expected
    for token in parents:
        parent = parent[token] if isinstance(parent, dict) else parent[int(token)]
    if isinstance(parent, dict):
        parent.pop(last, None)  # add replaced or created the member; remove deletes it
    assert restored == expected
