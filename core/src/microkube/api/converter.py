"""The one converter between API models and Kubernetes JSON (dicts of JSON values).

Structuring is strict about JSON types, as Kubernetes' decoder is: a string is never read as an
integer, a list never as its characters, ``"false"`` never as a boolean. Errors carry the JSON
path of the offending value (``expected integer, got string 'abc' @ $.spec.replicas``).

Unknown fields are an error (``fieldValidation=Strict``); ``from_dict_lenient`` drops them and
returns their paths instead (``Warn``/``Ignore``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
from cattrs import Converter
from cattrs.cols import list_structure_factory
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_mapping_structure_fn

from microkube.api._base import JSONTypeError, configure, json_name
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import MicroTime, Time, format_micro_time, format_time
from microkube.api.quantity import Quantity
from microkube.api.registry import kind_for

__all__ = ["FieldError", "StructureError", "from_dict", "from_dict_lenient", "to_dict"]

T = TypeVar("T")


@attrs.frozen
class FieldError:
    """One problem found while structuring, at ``path`` (``$.spec.containers[0]``)."""

    path: str
    message: str
    unknown: tuple[str, ...] = ()  # for unknown fields: the keys, as written

    def __str__(self) -> str:
        return f"{self.message} @ {self.path}"


class StructureError(ValueError):
    """Data that does not fit the model; ``errors`` lists every problem with its path."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(map(str, errors)))

    @property
    def unknown_fields(self) -> list[str]:
        """Unknown fields as Kubernetes names them: ``spec.containers[0].imagee``."""
        return _unknown_paths(self.errors)


def _unknown_paths(errors: list[FieldError]) -> list[str]:
    paths = []
    for error in errors:
        base = error.path.removeprefix("$").removeprefix(".")
        paths.extend(f"{base}.{key}" if base else key for key in error.unknown)
    return paths


# -- hooks ------------------------------------------------------------------------------------


def _exact(expected: str, json_type: type) -> Callable[[Any, Any], Any]:
    """A hook accepting only ``json_type`` itself (bool is an int subclass in Python only)."""

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, json_type) or (isinstance(value, bool) and json_type is not bool):
            raise JSONTypeError(expected, value)
        return value

    return structure


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JSONTypeError("number", value)
    return float(value)


def _structure_quantity(value: Any, _: Any) -> Quantity:
    if isinstance(value, str):
        return Quantity(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Quantity(value)
    raise JSONTypeError("quantity (string or number)", value)


def _structure_intstr(value: Any, _: Any) -> IntOrString:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise JSONTypeError("integer or string", value)
    return IntOrString(value)


def _time_hook(cls: type[Time]) -> Callable[[Any, Any], Time]:
    def structure(value: Any, _: Any) -> Time:
        if not isinstance(value, str):
            raise JSONTypeError("RFC 3339 time string", value)
        return cls.parse(value)

    return structure


def _is_list(t: Any) -> bool:
    return get_origin(t) is list


def _is_dict(t: Any) -> bool:
    return get_origin(t) is dict


def _is_optional(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) in (Union, UnionType) and len(args) == 2 and type(None) in args


def _make(*, forbid_extra_keys: bool) -> Converter:
    c = Converter(forbid_extra_keys=forbid_extra_keys, detailed_validation=True)
    c.register_structure_hook(str, _exact("string", str))
    c.register_structure_hook(int, _exact("integer", int))
    c.register_structure_hook(bool, _exact("boolean", bool))
    c.register_structure_hook(float, _structure_float)
    c.register_structure_hook(Quantity, _structure_quantity)
    c.register_unstructure_hook(Quantity, str)
    c.register_structure_hook(IntOrString, _structure_intstr)
    c.register_unstructure_hook(IntOrString, lambda v: v.value)
    c.register_structure_hook(Time, _time_hook(Time))
    c.register_structure_hook(MicroTime, _time_hook(MicroTime))
    # A time is written as its field declares, whatever datetime class the value has.
    c.register_unstructure_hook(Time, format_time)
    c.register_unstructure_hook(MicroTime, format_micro_time)
    c.register_unstructure_hook(datetime, format_time)

    def list_factory(t: Any) -> Callable[[Any, Any], Any]:
        structure = list_structure_factory(t, c)

        def structure_list(value: Any, _: Any = t) -> Any:
            if not isinstance(value, list):
                raise JSONTypeError("array", value)
            return structure(value, t)

        return structure_list

    def dict_factory(t: Any) -> Callable[[Any, Any], Any]:
        structure = make_mapping_structure_fn(t, c)

        def structure_dict(value: Any, _: Any = t) -> Any:
            if not isinstance(value, dict):
                raise JSONTypeError("object", value)
            return structure(value, t)

        return structure_dict

    def optional_unstructure_factory(t: Any) -> Callable[[Any], Any]:
        # Dispatch on the declared type, not on the value's class (see Time above).
        inner_type = next(a for a in get_args(t) if a is not type(None))
        inner = c.get_unstructure_hook(inner_type)
        return lambda value: None if value is None else inner(value)

    c.register_structure_hook_factory(_is_list, list_factory)
    c.register_structure_hook_factory(_is_dict, dict_factory)
    c.register_unstructure_hook_factory(_is_optional, optional_unstructure_factory)
    return configure(c)


_STRICT = _make(forbid_extra_keys=True)
_LENIENT = _make(forbid_extra_keys=False)


# -- errors -----------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    if isinstance(exc, JSONTypeError | ValueError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    return f"invalid value ({type(exc).__name__}: {exc})"


def _field_path(path: str, cls: type, name: str) -> str:
    fields = attrs.fields_dict(cls) if attrs.has(cls) else {}
    return f"{path}.{json_name(fields[name]) if name in fields else name}"


def _collect(exc: BaseException, path: str, out: list[FieldError]) -> list[FieldError]:
    """Flatten a cattrs exception tree into FieldErrors with JSON paths."""
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            _collect(sub, _field_path(path, exc.cl, note.name), out)
        for sub in without:
            _collect(sub, path, out)
    elif isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            _collect(sub, f"{path}[{note.index}]", out)  # list index or map key
        for sub in without:
            _collect(sub, path, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        keys = tuple(sorted(exc.extra_fields))
        out.append(FieldError(path, f"unknown fields ({', '.join(keys)})", keys))
    else:
        out.append(FieldError(path, _describe(exc)))
    return out


# -- public API -------------------------------------------------------------------------------


def to_dict(obj: Any) -> dict[str, Any]:
    """The Kubernetes JSON form of a model instance (a fresh dict of JSON values)."""
    return _STRICT.unstructure(obj)


def _target(data: Any, cls: type[T] | None) -> type[T]:
    if not isinstance(data, dict):
        raise StructureError([FieldError("$", str(JSONTypeError("object", data)))])
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if cls is None:
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise StructureError([FieldError("$", "apiVersion and kind are required")])
        try:
            return kind_for(api_version, kind)
        except LookupError as exc:
            raise StructureError([FieldError("$", str(exc.args[0]))]) from None
    # Only the kind is checked: the API server matches apiVersion against the request's URL.
    if attrs.has(cls) and "kind" in attrs.fields_dict(cls):
        want = attrs.fields_dict(cls)["kind"].default
        if want is not None and kind is not None and kind != want:
            raise StructureError(
                [FieldError("$", f"kind {kind!r} given where {want} was expected")]
            )
    return cls


def _structure(converter: Converter, data: Any, cls: type[T]) -> T:
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        raise StructureError(_collect(exc, "$", [])) from None
    except (TypeError, ValueError) as exc:
        raise StructureError([FieldError("$", _describe(exc))]) from None


def from_dict(data: Any, cls: type[T] | None = None) -> T:
    """Build a model from Kubernetes JSON; unknown fields and wrong types are StructureErrors.

    With ``cls`` None the kind is looked up by the data's ``apiVersion`` and ``kind``.
    """
    return _structure(_STRICT, data, _target(data, cls))


def from_dict_lenient(data: Any, cls: type[T] | None = None) -> tuple[T, list[str]]:
    """Like ``from_dict`` but drop unknown fields, returning their paths (``spec.foo``)."""
    target = _target(data, cls)
    try:
        return _structure(_STRICT, data, target), []
    except StructureError as exc:
        others = [e for e in exc.errors if not e.unknown]
        if others:
            raise StructureError(others) from None
        unknown = exc.unknown_fields
    return _structure(_LENIENT, data, target), unknown
