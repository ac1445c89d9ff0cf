"""Reading API models as data: their fields, JSON names, declared types and source comments.

The conventions live in a private module (``_base``); generators that describe the models to
clients (OpenAPI documents, strategic-merge metadata, protobuf schemas) use these public
accessors instead, so a plugin never imports a private module.
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import sys
import tokenize
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs

from microkube.api._base import is_model as _is_model
from microkube.api._base import json_name as _json_name

__all__ = ["ModelField", "is_model", "json_name", "model_doc", "model_fields", "unwrap_optional"]


@attrs.frozen
class ModelField:
    """One attribute of a model as Kubernetes JSON sees it."""

    name: str  # the Python attribute: ``pod_ip``
    json_name: str  # the JSON key: ``podIP``
    type: Any  # the declared annotation, resolved: ``str | None``, ``list[Container] | None``
    default: Any  # ``None`` for optional fields; ``"v1"`` for apiVersion and the like
    comment: str | None  # the source comment on (or just above) the declaration, if any

    @property
    def value_type(self) -> Any:
        """The declared type without its ``| None``: ``list[Container]``."""
        return unwrap_optional(self.type)


def is_model(obj: Any) -> bool:
    """Whether ``obj`` is an API model class (declared with ``@model``)."""
    return _is_model(obj)


def json_name(attribute: attrs.Attribute) -> str:
    """The JSON key of an attrs attribute of a model (explicit ``json=`` or camelCase)."""
    return _json_name(attribute)


def unwrap_optional(annotation: Any) -> Any:
    """``X`` for ``X | None`` (or ``Optional[X]``); anything else unchanged."""
    if get_origin(annotation) in (Union, UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def model_doc(cls: type) -> str | None:
    """The class docstring, dedented, or None when the class has none of its own."""
    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


@functools.cache
def model_fields(cls: type) -> tuple[ModelField, ...]:
    """The fields of model ``cls`` in declaration order, with resolved types and comments."""
    if not is_model(cls):
        raise TypeError(f"{cls!r} is not an API model")
    hints = get_type_hints(cls)
    comments = _class_comments(cls.__module__).get(cls.__qualname__, {})
    return tuple(
        ModelField(
            name=a.name,
            json_name=_json_name(a),
            type=hints.get(a.name, a.type),
            default=a.default,
            comment=comments.get(a.name),
        )
        for a in attrs.fields(cls)
    )


@functools.cache
def _class_comments(module_name: str) -> dict[str, dict[str, str]]:
    """``{class qualname: {attribute: comment}}`` read from the module's source.

    A trailing comment on the declaration wins; otherwise a block of comment lines directly
    above it. Section banners (``# --- x ---``) are not descriptions and are skipped.
    """
    module = sys.modules.get(module_name)
    try:
        source = inspect.getsource(module) if module is not None else ""
    except (OSError, TypeError):
        return {}
    by_line: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            if text and not text.startswith("---"):
                by_line[token.start[0]] = text
    lines = source.splitlines()
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        per_field: dict[str, str] = {}
        for stmt in node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            comment = by_line.get(stmt.end_lineno or stmt.lineno)
            if comment is None:
                above: list[str] = []
                line = stmt.lineno - 1
                while line in by_line and lines[line - 1].lstrip().startswith("#"):
                    above.insert(0, by_line[line])
                    line -= 1
                comment = " ".join(above) or None
            if comment:
                per_field[stmt.target.id] = comment
        found[node.name] = per_field
    return found
