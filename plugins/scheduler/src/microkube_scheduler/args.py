"""Structuring configuration (KubeSchedulerConfiguration and each plugin's ``pluginConfig``
args) from Kubernetes-style camelCase mappings into attrs classes, with a private cattrs
converter: unknown keys are refused and every error names its path in the user's spelling
(``NodeResourcesFitArgs.scoringStrategy.type: ...``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from microkube.config import ConfigError

T = TypeVar("T")


class ConfigurationError(ConfigError):
    """Configuration that cannot be used; the message names each wrong field (a kernel
    ``ConfigError``, so commands report it like any configuration error)."""


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)

    def factory(cls: type) -> Any:
        renames = {a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)}
        return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **renames)

    converter.register_structure_hook_factory(attrs.has, factory)
    return converter


_SNAKE = re.compile(r"(?<=[.\[ ])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)")


def structure(data: Any, cls: type[T], what: str) -> T:
    """``data`` as a ``cls``; ConfigurationError listing every problem under ``what``."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{what}: expected a mapping, got {type(data).__name__}")
    try:
        value = _converter().structure(dict(data), cls)
    except Exception as exc:  # cattrs groups every failure in one exception
        lines = cattrs.transform_error(exc, path=what)
        message = "; ".join(_SNAKE.sub(lambda m: camel(m.group(1)), line) for line in lines)
        raise ConfigurationError(message) from None
    validate = getattr(value, "validate", None)
    if validate is not None:
        problems = validate()
        if problems:
            raise ConfigurationError("; ".join(f"{what}.{p}" for p in problems))
    return value
