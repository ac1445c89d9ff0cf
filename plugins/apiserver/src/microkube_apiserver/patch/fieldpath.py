"""Field paths and sets of them, in the encodings Kubernetes uses for managed fields.

A path element is one of (structured-merge-diff's four kinds):

- ``("f", name)``: a struct or map member, ``f:name`` in ``fieldsV1``, ``.name`` in messages;
- ``("k", json)``: an associative-list element by its key fields, ``k:{"name":"nginx"}``,
  ``[name="nginx"]``;
- ``("v", json)``: a set-list element by value, ``v:"foo"``, ``[="foo"]``;
- ``("i", index)``: a list element by position, ``i:0``, ``[0]``.

``fieldsV1`` is a tree of these keys; ``"."`` marks a node that is itself in the set as well as
having members below it, and an empty object marks a leaf.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from microkube.jsonpatch.errors import BAD_REQUEST, PatchError

__all__ = ["Path", "PathElement", "decode_fields", "encode_fields", "path_string"]

PathElement = tuple[str, str]
Path = tuple[PathElement, ...]

_KIND_ORDER = {"f": 0, "k": 1, "v": 2, "i": 3}


def _sort_key(element: PathElement) -> tuple[int, Any]:
    kind, text = element
    return (_KIND_ORDER[kind], int(text) if kind == "i" else text)


def encode_fields(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` object of a set of paths (keys sorted as structured-merge-diff does)."""
    root: dict[PathElement, Any] = {}
    members: set[Path] = set()
    for path in paths:
        node = root
        for element in path:
            node = node.setdefault(element, {})
        members.add(path)
    return _encode(root, (), members)


def _encode(node: dict[PathElement, Any], prefix: Path, members: set[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if prefix and node and prefix in members:
        out["."] = {}
    for element in sorted(node, key=_sort_key):
        kind, text = element
        out[f"{kind}:{text}"] = _encode(node[element], (*prefix, element), members)
    return out


def decode_fields(fields: Any) -> set[Path]:
    """The set of paths a ``fieldsV1`` object encodes; malformed input is a 400."""
    paths: set[Path] = set()
    _decode(fields, (), paths)
    return paths


def _decode(node: Any, prefix: Path, paths: set[Path]) -> None:
    if not isinstance(node, dict):
        raise PatchError("invalid managedFields: fieldsV1 nodes must be objects", code=BAD_REQUEST)
    if prefix and not node:
        paths.add(prefix)
    for key, child in node.items():
        if key == ".":
            if prefix:
                paths.add(prefix)
            continue
        kind, sep, text = key.partition(":")
        if not sep or kind not in _KIND_ORDER:
            raise PatchError(f"invalid managedFields: unknown key {key!r}", code=BAD_REQUEST)
        if kind in ("k", "v"):
            try:
                json.loads(text)
            except json.JSONDecodeError:
                raise PatchError(
                    f"invalid managedFields: {key!r} is not valid JSON", code=BAD_REQUEST
                ) from None
        if kind == "i" and not text.isdigit():
            raise PatchError(f"invalid managedFields: bad index in {key!r}", code=BAD_REQUEST)
        _decode(child, (*prefix, (kind, text)), paths)


def _value_string(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def path_string(path: Path) -> str:
    """A path as Kubernetes prints it: ``.spec.containers[name="nginx"].image``."""
    parts = []
    for kind, text in path:
        if kind == "f":
            parts.append(f".{text}")
        elif kind == "k":
            fields = json.loads(text)
            inner = ",".join(f"{name}={_value_string(fields[name])}" for name in fields)
            parts.append(f"[{inner}]")
        elif kind == "v":
            parts.append(f"[={_value_string(json.loads(text))}]")
        else:
            parts.append(f"[{text}]")
    return "".join(parts)
