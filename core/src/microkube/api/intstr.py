"""Kubernetes ``intstr.IntOrString``: a port number or name, a count or a percentage."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["IntOrString", "scaled_value"]


_ATOI = re.compile(r"[+-]?[0-9]+")


def _atoi(text: str) -> int | None:
    """Go's strconv.Atoi: optional sign and ASCII digits only (no spaces, no underscores)."""
    return int(text) if _ATOI.fullmatch(text) else None


class IntOrString:
    """An immutable int-or-string that keeps its JSON type (``8080`` vs ``"8080"``).

    Compares equal to another IntOrString, or to a bare int or str, of the same type and value.
    """

    __slots__ = ("_value",)

    _value: int | str

    def __init__(self, value: int | str | IntOrString) -> None:
        if isinstance(value, IntOrString):
            value = value._value
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"IntOrString takes an int or a str, not {type(value).__name__}")
        self._value = value

    @classmethod
    def parse(cls, text: str) -> IntOrString:
        """An int when ``text`` is a decimal integer, else the string (Go's ``intstr.Parse``)."""
        number = _atoi(text)
        return cls(text if number is None else number)

    @property
    def value(self) -> int | str:
        return self._value

    @property
    def is_int(self) -> bool:
        return isinstance(self._value, int)

    def int_value(self) -> int:
        """The int, or the string read as an int (0 when it is not one), like Go's IntValue."""
        if isinstance(self._value, int):
            return self._value
        return _atoi(self._value) or 0

    def __str__(self) -> str:
        return str(self._value)

    def __repr__(self) -> str:
        return f"IntOrString({self._value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IntOrString):
            other = other._value
        if isinstance(other, bool) or not isinstance(other, int | str):
            return NotImplemented
        return type(other) is type(self._value) and other == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> IntOrString:
        return self

    def __deepcopy__(self, memo: Any) -> IntOrString:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (IntOrString, (self._value,))


def scaled_value(value: IntOrString | int | str, total: int, *, round_up: bool) -> int:
    """Resolve an int or a percentage (``"25%"``) against ``total``.

    Like Go's ``intstr.GetScaledValueFromIntOrPercent``: an int is returned as is; a percentage
    is ``value * total / 100`` rounded up or down; any other string is a ValueError.
    """
    raw = value.value if isinstance(value, IntOrString) else value
    if isinstance(raw, int):
        return raw
    if not raw.endswith("%"):
        raise ValueError(f"invalid value for IntOrString: {raw!r} is not a percentage")
    percent = _atoi(raw[:-1])
    if percent is None:
        raise ValueError(f"invalid value {raw!r}: not an integer percentage")
    scaled = percent * total
    return -(-scaled // 100) if round_up else scaled // 100
