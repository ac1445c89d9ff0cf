"""The conventions every API model follows, and the one converter that knows them.

- A model is ``@model`` (an attrs class, keyword-only, slotted, mutable like client-go structs).
- Python attribute names are snake_case; the JSON name is derived by camelCasing, or given
  explicitly with ``field(json="podIP")`` where Kubernetes' name is not a plain camelCase
  (initialisms: ``podIP``, ``clusterIPs``, ``providerID``, ``podCIDR``, ...).
- Optional fields default to None and are omitted from JSON when None; a field that is present
  but empty (``emptyDir: {}``, ``args: []``) round-trips as written.
- Top-level kinds carry ``api_version``/``kind`` with non-None defaults; those are always emitted.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

T = TypeVar("T")

JSON_NAME = "microkube.json"
_MODEL_MARK = "__microkube_model__"


def model(cls: type[T]) -> type[T]:
    """Class decorator for API models."""
    setattr(cls, _MODEL_MARK, True)
    return attrs.define(kw_only=True, slots=True, eq=True, repr=True)(cls)


def field(*, json: str | None = None, default: Any = None, factory: Any = None) -> Any:
    """A model attribute; ``json`` overrides the derived camelCase name."""
    metadata = {JSON_NAME: json} if json else {}
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


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


def configure(converter: Converter) -> Converter:
    """Teach ``converter`` the model conventions (renaming, omission)."""
    converter.register_unstructure_hook_factory(
        is_model,
        lambda cls: make_dict_unstructure_fn(
            cls, converter, _cattrs_omit_if_default=True, **_overrides(cls)
        ),
    )
    converter.register_structure_hook_factory(
        is_model,
        lambda cls: make_dict_structure_fn(cls, converter, **_overrides(cls)),
    )
    return converter
