"""YAML request bodies as JSON values, as Kubernetes' sigs.k8s.io/yaml reads them.

Timestamps stay strings (YAML 1.1 would make ``2024-01-01`` a date), mapping keys must be
strings, and only one document is accepted.

Escaped UTF-16 surrogates (``"\\ud83d\\ude00"``) become the character they encode; a lone one
becomes U+FFFD, as Go's decoders make it (:func:`without_surrogates`, also for JSON bodies).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["YAMLError", "load_yaml", "may_have_surrogates", "without_surrogates"]

_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def may_have_surrogates(data: bytes) -> bool:
    """Whether ``data`` has an escaped UTF-16 surrogate (cheap test before the full walk)."""
    return b"\\u" in data and _ESCAPED_SURROGATE.search(data) is not None


def _fix(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def without_surrogates(value: Any) -> Any:
    """``value`` with surrogate pairs joined and lone surrogates replaced, in keys and strings."""
    if isinstance(value, str):
        return _fix(value)
    if isinstance(value, dict):
        return {
            _fix(k) if isinstance(k, str) else k: without_surrogates(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    return value


class YAMLError(ValueError):
    """A body that is not one YAML document of JSON-compatible values."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver; it notes keys set twice in a mapping the way
    go-yaml's strict mode reports them (``line 4: key "a" already set in map``)."""

    def __init__(self, stream: bytes | str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            if key in seen:
                line = key_node.start_mark.line + 1
                self.duplicates.append((line, f'line {line}: key "{key}" already set in map'))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


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


def load_yaml(body: bytes | str, duplicates: list[str] | None = None) -> Any:
    """One YAML document as JSON values. With ``duplicates``, a key set twice adds go-yaml's
    strict-mode error (``yaml: unmarshal errors:`` and a line per key) to it."""
    loader = _Loader(body)
    try:
        value = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise YAMLError(" ".join(str(exc).split())) from None
    finally:
        loader.dispose()
    if duplicates is not None and loader.duplicates:
        lines = [text for _, text in sorted(loader.duplicates)]  # document order, as go-yaml
        duplicates.append("yaml: unmarshal errors:\n  " + "\n  ".join(lines))
    _check(value, "")
    data = body.encode() if isinstance(body, str) else body
    return without_surrogates(value) if may_have_surrogates(data) else value
