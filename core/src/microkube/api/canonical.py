"""The canonical JSON of a valid object, without building its model.

``to_dict(from_dict(data, cls))`` is how the API server normalises every body it stores
(unknown fields dropped, quantities and times canonical, nulls omitted, members in the
model's order). Building the attrs objects and unstructuring them again costs a pod create a
fifth of its time; :func:`canonical` walks the JSON once with a plan compiled per model and
gives the same result for any object that structures cleanly.

It decides only the easy case: anything the converter would report (an unknown field, a
wrong type, a bad quantity or time, a null where a value is required) makes it answer
``None``, and the caller takes the converter's path, which words the error or warning.
A test holds the two paths to the same output.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from types import UnionType
from typing import Any

import attrs

from microkube.api._base import is_model, json_name
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import MicroTime, Time, format_micro_time, format_time
from microkube.api.quantity import Quantity

__all__ = ["canonical"]

Normaliser = Callable[[Any], Any]


class _Undecided(Exception):
    """The fast walk cannot tell: the converter's path must decide (and word the error)."""


def canonical(data: Any, cls: type) -> dict[str, Any] | None:
    """``to_dict(from_dict(data, cls))`` for data that structures cleanly, else None."""
    try:
        return _plan(cls)(data)
    except _Undecided:
        return None
    except (ValueError, TypeError, ArithmeticError):
        return None  # a value the model's types refuse: the converter words it


@functools.cache
def _plan(tp: Any) -> Normaliser:
    """The normaliser of values of type ``tp`` (a model, a container or a scalar type)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"no canonical plan for {tp!r}")
        inner = _plan(args[0])
        return lambda value: None if value is None else inner(value)
    if origin is list:
        (item_type,) = typing.get_args(tp)
        return _list_plan(_plan(item_type))
    if origin is dict:
        _, value_type = typing.get_args(tp)
        return _dict_plan(_plan(value_type))
    if is_model(tp):
        return _model_plan(tp)
    scalar = _SCALARS.get(tp)
    if scalar is None:
        raise TypeError(f"no canonical plan for {tp!r}")
    return scalar


def _list_plan(item: Normaliser) -> Normaliser:
    def normalise(value: Any) -> list[Any]:
        if type(value) is not list:
            raise _Undecided
        return [item(v) for v in value]

    return normalise


def _dict_plan(member: Normaliser) -> Normaliser:
    def normalise(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Undecided
        return {key: member(v) for key, v in value.items()}

    return normalise


def _model_plan(cls: type) -> Normaliser:
    hints = typing.get_type_hints(cls)
    # (position, default, optional, type) by JSON name; output follows the model's order.
    fields = {
        json_name(a): (index, a.default, _optional(hints[a.name]), hints[a.name])
        for index, a in enumerate(attrs.fields(cls))
    }
    always = [(index, name, default) for name, (index, default, *_) in fields.items()]
    always = [item for item in always if item[2] is not None]
    # Plans of fields are compiled on first use: models refer to themselves (JSONSchemaProps).
    plans: dict[str, tuple[int, Any, bool, Normaliser]] = {}

    def plan_of(name: str) -> tuple[int, Any, bool, Normaliser]:
        found = plans.get(name)
        if found is None:
            spec = fields.get(name)
            if spec is None:
                raise _Undecided  # an unknown field: dropped with a warning by the converter
            index, default, optional, tp = spec
            found = plans[name] = (index, default, optional, _plan(tp))
        return found

    def normalise(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Undecided
        members: list[tuple[int, str, Any]] = []
        for name, item in value.items():
            index, default, optional, plan = plan_of(name)
            if item is None:
                if not optional or default is not None:
                    raise _Undecided
                continue
            members.append((index, name, plan(item)))
        for index, name, default in always:
            if name not in value:
                members.append((index, name, default))
        members.sort()
        return {name: item for _, name, item in members}

    return normalise


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, UnionType) and type(None) in typing.get_args(tp)


def _exact(json_type: type) -> Normaliser:
    def normalise(value: Any) -> Any:
        if type(value) is not json_type:
            raise _Undecided
        return value

    return normalise


def _float(value: Any) -> float:
    if type(value) not in (int, float):
        raise _Undecided
    return float(value)


@functools.lru_cache(maxsize=4096)
def _quantity_text(text: str) -> str:
    """Canonical text of a quantity written as text: a few distinct values recur endlessly."""
    return str(Quantity(text.strip()))


def _quantity(value: Any) -> str:
    if type(value) is str:
        return _quantity_text(value)
    if type(value) in (int, float):
        return str(Quantity(value))
    raise _Undecided


def _int_or_string(value: Any) -> Any:
    if type(value) not in (int, str):
        raise _Undecided
    return IntOrString(value).value


def _time(parse: Callable[[str], Any], write: Callable[[Any], str]) -> Normaliser:
    def normalise(value: Any) -> str:
        if type(value) is not str:
            raise _Undecided
        return write(parse(value))

    return normalise


def _any(value: Any) -> Any:
    return value


_SCALARS: dict[Any, Normaliser] = {
    str: _exact(str),
    int: _exact(int),
    bool: _exact(bool),
    float: _float,
    Quantity: _quantity,
    IntOrString: _int_or_string,
    Time: _time(Time.parse, format_time),
    MicroTime: _time(MicroTime.parse, format_micro_time),
    Any: _any,
}
