"""JSON Patch (RFC 6902) over JSON Pointers (RFC 6901): ``application/json-patch+json``.

``kubectl rollout undo`` sends one (replace ``/spec/template`` and ``/metadata/annotations``);
the Python client sends one whenever the body is a list. Errors name the operation's index and
path: a document that is not a patch is a 400, a patch that does not fit the object (failed
``test``, missing target) a 422, as the API server answers them.
"""

from __future__ import annotations

import copy
from typing import Any

from microkube.jsonpatch.errors import BAD_REQUEST, INVALID, PatchError
from microkube.jsonpatch.jsonvalue import json_equal, json_kind

__all__ = ["apply_json_patch", "parse_pointer"]

_OPS = ("add", "remove", "replace", "move", "copy", "test")


def parse_pointer(pointer: str) -> list[str]:
    """The reference tokens of a JSON Pointer, ``~1`` and ``~0`` unescaped (in that order)."""
    if not isinstance(pointer, str):
        raise ValueError(f"a JSON pointer is a string, not {json_kind(pointer)}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} does not start with '/'")
    tokens = pointer[1:].split("/")
    for token in tokens:
        rest = token.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise ValueError(f"JSON pointer {pointer!r} has an invalid '~' escape")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


class _OpError(Exception):
    """Raised inside one operation; ``apply_json_patch`` adds the index and path."""

    def __init__(self, message: str, code: int = INVALID) -> None:
        super().__init__(message)
        self.code = code


def _index(token: str, length: int, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return length
    if not token.isdigit() or not token.isascii() or (len(token) > 1 and token[0] == "0"):
        raise _OpError(f"{token!r} is not an array index")
    index = int(token)
    limit = length if allow_end else length - 1
    if index > limit:
        raise _OpError(f"array index {index} is out of bounds (length {length})")
    return index


def _parent(doc: Any, tokens: list[str]) -> tuple[Any, str]:
    """The container holding the pointer's last token, and that token."""
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token)
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise _OpError(f"member {token!r} does not exist")
        return node[token]
    if isinstance(node, list):
        return node[_index(token, len(node), allow_end=False)]
    raise _OpError(f"cannot descend into a {json_kind(node)} with {token!r}")


def _get(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens:
        node = _child(node, token)
    return node


def _add(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent, last = _parent(doc, tokens)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), allow_end=True), value)
    else:
        raise _OpError(f"cannot add a member to a {json_kind(parent)}")
    return doc


def _remove(doc: Any, tokens: list[str]) -> tuple[Any, Any]:
    """``(document, removed value)``."""
    if not tokens:
        raise _OpError("cannot remove the whole document")
    parent, last = _parent(doc, tokens)
    if isinstance(parent, dict):
        if last not in parent:
            raise _OpError(f"member {last!r} does not exist")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), allow_end=False))
    raise _OpError(f"cannot remove from a {json_kind(parent)}")


def _replace(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent, last = _parent(doc, tokens)
    if isinstance(parent, dict):
        if last not in parent:
            raise _OpError(f"member {last!r} does not exist")
        parent[last] = value
    elif isinstance(parent, list):
        parent[_index(last, len(parent), allow_end=False)] = value
    else:
        raise _OpError(f"cannot replace inside a {json_kind(parent)}")
    return doc


def _member(op: dict[str, Any], name: str) -> Any:
    if name not in op:
        raise _OpError(f"missing {name!r}", BAD_REQUEST)
    return op[name]


def _pointer(op: dict[str, Any], name: str) -> list[str]:
    try:
        return parse_pointer(_member(op, name))
    except ValueError as exc:
        raise _OpError(str(exc), BAD_REQUEST) from None


def _apply_one(doc: Any, op: dict[str, Any]) -> Any:
    name = _member(op, "op")
    if name not in _OPS:
        raise _OpError(f"unknown op {name!r}", BAD_REQUEST)
    path = _pointer(op, "path")
    if name == "add":
        return _add(doc, path, copy.deepcopy(_member(op, "value")))
    if name == "remove":
        return _remove(doc, path)[0]
    if name == "replace":
        return _replace(doc, path, copy.deepcopy(_member(op, "value")))
    if name == "test":
        expected = _member(op, "value")
        if not json_equal(_get(doc, path), expected):
            raise _OpError("value does not match")
        return doc
    source = _pointer(op, "from")
    if name == "copy":
        return _add(doc, path, copy.deepcopy(_get(doc, source)))
    # move: "from" must not be a proper prefix of "path" (RFC 6902 §4.4)
    if len(source) < len(path) and path[: len(source)] == source:
        raise _OpError("cannot move a value into one of its own children")
    if source == path:
        _get(doc, source)  # still must exist
        return doc
    doc, value = _remove(doc, source)
    return _add(doc, path, value)


def _describe(index: int, op: Any) -> str:
    if isinstance(op, dict):
        return f"operation {index} ({op.get('op', '?')} {op.get('path', '?')})"
    return f"operation {index}"


def apply_json_patch(document: Any, patch: Any) -> Any:
    """Apply an RFC 6902 patch (a list of operations) to ``document``; inputs are not modified.

    Operations apply in order to a copy; any failure discards the whole patch.
    """
    if not isinstance(patch, list):
        raise PatchError(
            f"a JSON patch is an array of operations, not a {json_kind(patch)}", code=BAD_REQUEST
        )
    doc = copy.deepcopy(document)
    for index, op in enumerate(patch):
        if not isinstance(op, dict):
            raise PatchError(f"{_describe(index, op)}: not an object", code=BAD_REQUEST)
        try:
            doc = _apply_one(doc, op)
        except _OpError as exc:
            raise PatchError(f"json patch {_describe(index, op)}: {exc}", code=exc.code) from None
    return doc
