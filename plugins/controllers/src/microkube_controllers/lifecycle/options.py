"""Reading controller options (``ControllerContext.options``): a mapping of
kube-controller-manager flag names (``node-monitor-grace-period: 40s``) or nothing.

Durations are numbers of seconds or Go duration strings (``40s``, ``5m``, ``1h30m``,
``500ms``); a bad value is a :class:`ValueError` naming the option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(name: str, value: Any) -> float:
    """Seconds of a duration option (a number of seconds or a Go duration string)."""
    if isinstance(value, bool):
        raise ValueError(f"option {name}: expected a duration, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text == "0":
            return 0.0
        position, seconds = 0, 0.0
        for match in _PART.finditer(text):
            if match.start() != position:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            position = match.end()
        if position != len(text):
            raise ValueError(
                f'option {name}: invalid duration "{value}" (use e.g. "40s", "5m", "1h30m")'
            )
    else:
        raise ValueError(f"option {name}: expected a duration, got {value!r}")
    if seconds < 0:
        raise ValueError(f"option {name}: must not be negative, got {value!r}")
    return seconds


class Options:
    """Typed access to the options mapping, with defaults."""

    def __init__(self, values: Mapping[str, Any] | None) -> None:
        if values is not None and not isinstance(values, Mapping):
            raise ValueError(f"controller options must be a mapping, got {type(values).__name__}")
        self.values: Mapping[str, Any] = values or {}

    def duration(self, name: str, default: float) -> float:
        value = self.values.get(name)
        return default if value is None else parse_duration(name, value)

    def integer(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"option {name}: expected an integer, got {value!r}")
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"option {name}: expected an integer, got {value!r}") from None

    def number(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise ValueError(f"option {name}: expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"option {name}: expected a number, got {value!r}") from None
