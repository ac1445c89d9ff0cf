"""Kubernetes ``resource.Quantity``: exact parsing, comparison, arithmetic and canonical text.

Semantics follow k8s.io/apimachinery/pkg/api/resource:

- A value is an exact decimal, kept down to nano: a finer non-zero value is rounded away from
  zero (``"0.9n"`` is ``1n``); a binary-SI value is capped at 2^63-1 in magnitude.
- A quantity remembers its suffix family (``DecimalSI``, ``BinarySI``, ``DecimalExponent``)
  and is written back in that family, in canonical form: no fractional digits, the largest
  suffix that loses nothing (``"1.5Gi"`` -> ``"1536Mi"``, ``"1000m"`` -> ``"1"``, ``"0.5"`` ->
  ``"500m"``). Values above ``E`` fall back to exponent notation (``"1000E"`` -> ``"1e21"``).
- Like Go's ``ParseQuantity``, a parsed string that its fast path deems canonical is echoed
  verbatim by ``str()`` (``"1.441"`` stays ``"1.441"``, ``"+1"`` stays ``"+1"``, ``"1E3"``
  stays ``"1E3"``): that is what a real API server returns. ``canonical()`` always gives the
  canonicalized form.
- Equality, ordering and hashing are by value only: ``Quantity("1") == Quantity("1000m")``.

Deliberate differences from Go, all on inputs no one writes: strings without any digit
(``"."``, ``"-"``, ``"Ki"``, which Go reads as zero) and exponents outside int32 (which Go
wraps) are rejected; int accessors return exact Python ints instead of overflowing int64;
an arithmetic result beyond ``Ei`` stays binary (``8192Ei``) instead of losing its suffix.
"""

from __future__ import annotations

import enum
import functools
import re
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_UP,
    Context,
    Decimal,
    InvalidOperation,
    Overflow,
)
from typing import Any

__all__ = ["Format", "Quantity"]


class Format(enum.StrEnum):
    """The suffix family a quantity is written in."""

    DECIMAL_SI = "DecimalSI"  # 12M  (12 * 10^6)
    BINARY_SI = "BinarySI"  # 12Mi (12 * 2^20)
    DECIMAL_EXPONENT = "DecimalExponent"  # 12e6


# Exact arithmetic: precision and exponent range large enough that nothing is ever rounded.
_CTX = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, Overflow])
_NANO = Decimal("1e-9")
_MAX_BINARY = Decimal(2**63 - 1)
_INT32 = 2**31 - 1

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}
_DECIMAL_SUFFIXES |= {"T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXP = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_POWER = {e // 10: s for s, e in _BINARY_SUFFIXES.items()}

# Go's scanner: sign, digits, optional fraction, then suffix letters, an optional sign, digits.
_SYNTAX = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
_EXPONENT = re.compile(r"[eE][+-]?[0-9]+")


def _interpret(suffix: str) -> tuple[int, int, Format] | None:
    """``(base, exponent, format)`` of a suffix, or None when it is not one."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], Format.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], Format.BINARY_SI
    if _EXPONENT.fullmatch(suffix):
        exponent = int(suffix[1:])
        if -_INT32 - 1 <= exponent <= _INT32:
            return 10, exponent, Format.DECIMAL_EXPONENT
    return None


def _go_echoes(fmt: Format, base: int, exponent: int, num: str, denom: str) -> bool:
    """Whether Go's ParseQuantity fast path caches the input string as the quantity's text."""
    if base == 2:
        if denom:
            return False
        precision = 15 - len(num) - (exponent * 3 // 10) - 1
        return precision >= 0 and int(num) & 0x07 != 0
    precision = 18 - len(num) - len(denom)
    scale = exponent - len(denom)
    shifted = num + denom
    return (
        precision >= 0
        and scale >= -9
        and scale % 3 == 0
        and not shifted.endswith("000")
        and shifted[0] != "0"
    )


# Objects repeat a few quantities ("100m", "64Mi") and every write of one parses each of them
# several times (decoding, defaulting, validation): remember the latest results (all immutable).
@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> tuple[Decimal, Format, str | None]:
    if text == "0":
        return Decimal(0), Format.DECIMAL_SI, "0"
    match = _SYNTAX.fullmatch(text)
    if match is None or text == "":
        raise ValueError(f"quantity {text!r}: not a number with an optional suffix")
    sign, whole, frac, suffix = match.groups()
    frac = frac or ""
    if not whole and not frac:
        raise ValueError(f"quantity {text!r}: no digits")
    interpreted = _interpret(suffix)
    if interpreted is None:
        raise ValueError(f"quantity {text!r}: unknown suffix {suffix!r}")
    base, exponent, fmt = interpreted
    num = whole.lstrip("0") or "0"

    amount = Decimal(f"{sign}{num}.{frac}0")
    if base == 10:
        amount = amount.scaleb(exponent, _CTX)
    else:
        amount = _CTX.multiply(amount, Decimal(2**exponent))
    amount = amount.normalize(_CTX)
    if amount.as_tuple().exponent < -9:  # type: ignore[operator]
        # Go keeps nano precision and rounds a finer value away from zero.
        amount = amount.quantize(_NANO, rounding=ROUND_UP, context=_CTX).normalize(_CTX)
    if fmt is Format.BINARY_SI:
        if abs(amount) > _MAX_BINARY:
            amount = _MAX_BINARY.copy_sign(amount)
        if 0 < abs(amount) < 1:
            fmt = Format.DECIMAL_SI
    echoed = text if _go_echoes(fmt, base, exponent, num, frac) else None
    return amount, fmt, echoed


def _round_away(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_UP, context=_CTX))


class Quantity:
    """An immutable Kubernetes quantity such as ``500m``, ``128Mi`` or ``1e3``.

    ``Quantity(text)`` parses (ValueError names the string when it is not a quantity); an int
    or float is read like a JSON number (``cpu: 1``). ``str()`` is what Kubernetes serializes.
    """

    __slots__ = ("_format", "_text", "_value")

    _value: Decimal
    _format: Format
    _text: str | None

    def __init__(self, value: str | int | float | Quantity = "0") -> None:
        if isinstance(value, Quantity):
            self._value, self._format, self._text = value._value, value._format, value._text
            return
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError(f"quantity must be a string or a number, not {type(value).__name__}")
        text = value if isinstance(value, str) else repr(value)
        self._value, self._format, self._text = _parse(text)

    @classmethod
    def from_decimal(cls, value: Decimal | int, fmt: Format = Format.DECIMAL_SI) -> Quantity:
        """A quantity of exactly ``value`` (rounded away from zero to nano), written in ``fmt``."""
        amount = Decimal(value).normalize(_CTX)
        if amount.as_tuple().exponent < -9:  # type: ignore[operator]
            amount = amount.quantize(_NANO, rounding=ROUND_UP, context=_CTX).normalize(_CTX)
        return cls._make(amount, Format(fmt))

    @classmethod
    def from_milli(cls, milli: int, fmt: Format = Format.DECIMAL_SI) -> Quantity:
        """A quantity of ``milli`` / 1000 (Go's NewMilliQuantity)."""
        return cls.from_decimal(Decimal(milli).scaleb(-3, _CTX), fmt)

    @classmethod
    def _make(cls, value: Decimal, fmt: Format) -> Quantity:
        q = object.__new__(cls)
        q._value, q._format, q._text = value, fmt, None
        return q

    # -- accessors -------------------------------------------------------------------------

    @property
    def format(self) -> Format:
        return self._format

    def as_decimal(self) -> Decimal:
        """The exact value."""
        return self._value

    def value(self) -> int:
        """The value rounded up to an integer (away from zero), as Go's ``Value()``."""
        return _round_away(self._value)

    def milli_value(self) -> int:
        """The value in thousandths rounded up (away from zero), as Go's ``MilliValue()``."""
        return _round_away(self._value.scaleb(3, _CTX))

    def scaled_value(self, scale: int) -> int:
        """``value / 10**scale`` rounded up (away from zero), as Go's ``ScaledValue``."""
        return _round_away(self._value.scaleb(-scale, _CTX))

    def is_zero(self) -> bool:
        return not self._value

    def sign(self) -> int:
        return 0 if not self._value else (-1 if self._value < 0 else 1)

    def __bool__(self) -> bool:
        return bool(self._value)

    # -- text ------------------------------------------------------------------------------

    def __str__(self) -> str:
        return self._text if self._text is not None else self.canonical()

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def canonical(self) -> str:
        """Canonical text (Go's ``CanonicalizeBytes``), ignoring any echoed input form."""
        value = self._value
        if not value:
            return "0"
        fmt = self._format
        if fmt is Format.BINARY_SI:
            if -1024 < value < 1024 or value != value.to_integral_value(context=_CTX):
                fmt = Format.DECIMAL_SI  # don't lose precision, don't show 0.5Ki
            else:
                return _binary_text(int(value))
        return _decimal_text(value, fmt)

    # -- comparison and arithmetic ---------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __lt__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._value < other._value
        return NotImplemented

    def __le__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._value <= other._value
        return NotImplemented

    def __gt__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._value > other._value
        return NotImplemented

    def __ge__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._value >= other._value
        return NotImplemented

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1, as Go's ``Cmp``."""
        return (self._value > other._value) - (self._value < other._value)

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        # As Go's Add: a zero receiver takes the other operand's format.
        fmt = self._format if self._value else other._format
        return Quantity._make(_CTX.add(self._value, other._value), fmt)

    def __radd__(self, other: object) -> Quantity:
        if other == 0:  # sum() starts from int 0
            return self
        return NotImplemented

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = self._format if self._value else other._format
        return Quantity._make(_CTX.subtract(self._value, other._value), fmt)

    def __neg__(self) -> Quantity:
        return Quantity._make(-self._value, self._format)

    def __abs__(self) -> Quantity:
        return Quantity._make(abs(self._value), self._format)

    def __mul__(self, factor: int) -> Quantity:
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Quantity._make(_CTX.multiply(self._value, Decimal(factor)), self._format)

    __rmul__ = __mul__

    # -- immutability ----------------------------------------------------------------------

    def __copy__(self) -> Quantity:
        return self

    def __deepcopy__(self, memo: Any) -> Quantity:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Quantity, (str(self),))


def _decimal_text(value: Decimal, fmt: Format) -> str:
    sign, digits, exponent = value.normalize(_CTX).as_tuple()
    coefficient = int("".join(map(str, digits)))
    shift = exponent % 3  # type: ignore[operator]
    coefficient *= 10**shift
    exponent -= shift  # type: ignore[operator]
    number = f"{'-' if sign else ''}{coefficient}"
    if fmt is Format.DECIMAL_SI and exponent in _DECIMAL_BY_EXP:
        return number + _DECIMAL_BY_EXP[exponent]
    return number if exponent == 0 else f"{number}e{exponent}"


def _binary_text(value: int) -> str:
    magnitude, power = abs(value), 0
    while power < 6 and magnitude % 1024 == 0:
        magnitude //= 1024
        power += 1
    suffix = _BINARY_BY_POWER.get(power, "")
    return f"{'-' if value < 0 else ''}{magnitude}{suffix}"
