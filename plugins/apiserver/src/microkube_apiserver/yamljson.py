"""YAML request bodies as JSON values, as Kubernetes' sigs.k8s.io/yaml reads them.

Timestamps stay strings (YAML 1.1 would make ``2024-01-01`` a date), mapping keys must be
strings, and only one document is accepted.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLError", "load_yaml"]


class YAMLError(ValueError):
    """A body that is not one YAML document of JSON-compatible values."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise YAMLError(f"non-string key {key!r} at {path or '<root>'}")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    elif isinstance(value, float) and value != value:
        raise YAMLError(f"NaN is not a JSON value at {path or '<root>'}")
    elif not isinstance(value, str | int | float | bool | type(None)):
        raise YAMLError(f"unsupported YAML value {value!r} at {path or '<root>'}")


def load_yaml(body: bytes | str) -> Any:
    try:
        value = yaml.load(body, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YAMLError(" ".join(str(exc).split())) from None
    _check(value, "")
    return value
