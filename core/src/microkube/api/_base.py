"""The conventions every API model follows, and the one converter that knows them.

- A model is ``@model`` (an attrs class, keyword-only, slotted, mutable like client-go structs).
- Python attribute names are snake_case; the JSON name is derived by camelCasing, or given
  explicitly with ``field(json="podIP")`` where Kubernetes' name is not a plain camelCase
  (initialisms: ``podIP``, ``clusterIPs``, ``providerID``, ``podCIDR``, ...).
- Optional fields default to None and are omitted from JSON when None; a field that is present
  but empty (``emptyDir: {}``, ``args: []``) round-trips as written.
- Top-level kinds carry ``api_version``/``kind`` with non-None defaults; those are always emitted.
- A model is structured only from a JSON object (a dict); anything else is a ``JSONTypeError``.
"""

from __future__ import annotations

from typing import Any, TypeVar, dataclass_transform

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

T = TypeVar("T")

JSON_NAME = "microkube.json"
_MODEL_MARK = "__microkube_model__"


def field(*, json: str | None = None, default: Any = None, factory: Any = None) -> Any:
    """A model attribute; ``json`` overrides the derived camelCase name."""
    metadata = {JSON_NAME: json} if json else {}
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


@dataclass_transform(kw_only_default=True, field_specifiers=(field, attrs.field))
def model(cls: type[T]) -> type[T]:
    """Class decorator for API models."""
    setattr(cls, _MODEL_MARK, True)
    return attrs.define(kw_only=True, slots=True, eq=True, repr=True)(cls)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def json_name(a: attrs.Attribute) -> str:
    return a.metadata.get(JSON_NAME) or camel(a.name)


def is_model(cls: Any) -> bool:
    return isinstance(cls, type) and getattr(cls, _MODEL_MARK, False) is True


def _overrides(cls: type) -> dict[str, Any]:
    result = {}
    for a in attrs.fields(cls):
        # Fields with a real default (apiVersion, kind) are always written.
        result[a.name] = override(rename=json_name(a), omit_if_default=a.default is None)
    return result


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if type(value) in _JSON_TYPES:
        return _JSON_TYPES[type(value)]
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


class JSONTypeError(TypeError):
    """A JSON value of the wrong type, e.g. a string where an integer belongs."""

    def __init__(self, expected: str, value: Any) -> None:
        shown = repr(value) if isinstance(value, str | int | float | bool) else ""
        shown = f" {shown[:40]}" if shown else ""
        super().__init__(f"expected {expected}, got {json_type(value)}{shown}")


def configure(converter: Converter) -> Converter:
    """Teach ``converter`` the model conventions (renaming, omission, objects only)."""
    converter.register_unstructure_hook_factory(
        is_model,
        lambda cls: make_dict_unstructure_fn(
            cls, converter, _cattrs_omit_if_default=True, **_overrides(cls)
        ),
    )

    def structure_factory(cls: type) -> Any:
        structure = make_dict_structure_fn(cls, converter, **_overrides(cls))

        def structure_object(data: Any, _: type = cls) -> Any:
            if not isinstance(data, dict):
                raise JSONTypeError("object", data)
            return structure(data, cls)

        return structure_object

    converter.register_structure_hook_factory(is_model, structure_factory)
    return converter
