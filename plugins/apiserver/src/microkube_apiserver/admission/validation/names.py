"""Name, label and annotation rules (k8s.io/apimachinery ``util/validation``), with the
messages Kubernetes gives."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = [
    "NameCheck",
    "config_key",
    "dns1035_label",
    "dns1123_label",
    "dns1123_subdomain",
    "label_value",
    "path_segment_name",
    "qualified_name",
]

#: Returns the problems with a name (an empty list when it is fine).
NameCheck = Callable[[str], list[str]]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_DNS1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(" + _QUALIFIED + r")?"
_CONFIG_KEY = r"[-._a-zA-Z0-9]+"


def _max(length: int) -> str:
    return f"must be no more than {length} characters"


def _regex_message(what: str, example: str, regex: str) -> str:
    return f"{what} (e.g. {example}, regex used for validation is '{regex}')"


def dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(_max(63))
    if not re.fullmatch(_LABEL, value):
        errors.append(
            _regex_message(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                "or '-', and must start and end with an alphanumeric character",
                "'my-name',  or '123-abc'",
                _LABEL,
            )
        )
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append(_max(253))
    if not re.fullmatch(_SUBDOMAIN, value):
        errors.append(
            _regex_message(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character",
                "'example.com'",
                _SUBDOMAIN.replace("\\.", "\\."),
            )
        )
    return errors


def dns1035_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(_max(63))
    if not re.fullmatch(_DNS1035, value):
        errors.append(
            _regex_message(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                "'my-name',  or 'abc-123'",
                _DNS1035,
            )
        )
    return errors


def path_segment_name(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def qualified_name(value: str) -> list[str]:
    """A label or annotation key: ``[prefix/]name`` (apimachinery's ``IsQualifiedName``)."""
    return list(_qualified_name(value))


# Label keys and values recur on nearly every object written: their verdicts are cached.
@functools.lru_cache(maxsize=4096)
def _qualified_name(value: str) -> tuple[str, ...]:
    name_rule = _regex_message(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character",
        "'MyName',  or 'my.name',  or '123-abc'",
        _QUALIFIED,
    )
    parts = value.split("/")
    if len(parts) > 2:
        return [
            f"a qualified name {name_rule} with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')"
        ]
    errors = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {e}" for e in dns1123_subdomain(prefix))
    name = parts[-1]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + _max(63))
    if not re.fullmatch(_QUALIFIED, name):
        errors.append("name part " + name_rule)
    return tuple(errors)


def label_value(value: str) -> list[str]:
    return list(_label_value(value))


@functools.lru_cache(maxsize=4096)
def _label_value(value: str) -> tuple[str, ...]:
    errors = []
    if len(value) > 63:
        errors.append(_max(63))
    if not re.fullmatch(_LABEL_VALUE, value):
        errors.append(
            _regex_message(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                "'MyValue',  or 'my_value',  or '12345'",
                _LABEL_VALUE,
            )
        )
    return tuple(errors)


def config_key(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append(_max(253))
    if not re.fullmatch(_CONFIG_KEY, value):
        errors.append(
            _regex_message(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                "'key.name',  or 'KEY_NAME',  or 'key-name'",
                _CONFIG_KEY,
            )
        )
    if value in (".", ".."):
        errors.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors
