"""Quantity: parsing, canonical text (Go's String/CanonicalizeBytes), comparison, arithmetic."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microkube.api.quantity import Format, Quantity

# (input, str() as Go's String() gives it, canonical() as CanonicalizeBytes gives it).
# Rows marked "golden" are from apimachinery's quantity_golden_test.go.
CASES = [
    ("0", "0", "0"),  # golden zero
    ("1", "1", "1"),  # golden
    ("-1", "-1", "-1"),  # golden
    ("1Ki", "1Ki", "1Ki"),  # golden
    ("1024Mi", "1Gi", "1Gi"),  # golden
    ("1000M", "1G", "1G"),  # golden
    ("1e3", "1e3", "1e3"),  # golden
    ("0.1", "100m", "100m"),  # golden
    ("0.000000000000001", "1n", "1n"),  # golden: rounded up to nano
    ("1.441", "1.441", "1441m"),  # golden: Go's fast path echoes 3n fractional digits
    ("1.000001", "1.000001", "1000001u"),  # golden
    ("1.000000001", "1.000000001", "1000000001n"),  # golden
    ("1.5", "1500m", "1500m"),  # golden
    ("9223372036854775807", "9223372036854775807", "9223372036854775807"),  # golden
    ("9223372036854775808", "9223372036854775808", "9223372036854775808"),  # golden
    ("18446744073709551616", "18446744073709551616", "18446744073709551616"),  # golden
    ("1E", "1E", "1E"),  # golden: exa, not an exponent
    ("100E", "100E", "100E"),  # golden
    ("1000E", "1e21", "1e21"),  # golden: beyond E falls back to an exponent
    ("1e100", "10e99", "10e99"),  # golden
    ("8Ei", "9223372036854775807", "9223372036854775807"),  # golden: binary capped
    ("-20Ei", "-9223372036854775807", "-9223372036854775807"),  # golden
    ("-9.5Gi", "-9728Mi", "-9728Mi"),  # golden
    ("-9.5000000001Gi", "-10200547328107374183n", "-10200547328107374183n"),  # golden
    ("1000m", "1", "1"),
    ("0.5", "500m", "500m"),
    ("500m", "500m", "500m"),
    ("128Mi", "128Mi", "128Mi"),
    ("1.5Gi", "1536Mi", "1536Mi"),
    ("1536Mi", "1536Mi", "1536Mi"),
    ("2048Mi", "2Gi", "2Gi"),
    ("100M", "100M", "100M"),
    ("129e6", "129e6", "129e6"),
    ("123Mi", "123Mi", "123Mi"),
    ("0.5Ki", "512", "512"),  # binary below 1024 is written as decimal
    ("0.0001Ki", "102400u", "102400u"),  # binary below 1 becomes DecimalSI
    ("1.1Ki", "1126400m", "1126400m"),  # inexact binary is written as decimal
    ("+1k", "+1k", "1k"),  # the fast path echoes a leading sign...
    ("01", "01", "1"),  # ...and leading zeros
    ("1E3", "1E3", "1e3"),
    ("1.500", "1.500", "1500m"),
    ("1.G", "1.G", "1G"),
    ("0.9n", "1n", "1n"),
    ("-0.9n", "-1n", "-1n"),  # rounded away from zero
    ("1e-20", "1e-9", "1e-9"),
    ("10000", "10k", "10k"),
    ("12000000", "12M", "12M"),
    ("1000000000000", "1T", "1T"),
    ("5P", "5P", "5P"),
    ("3Ti", "3Ti", "3Ti"),
    ("4096Pi", "4Ei", "4Ei"),
    ("00", "0", "0"),
    ("0Ki", "0", "0"),
    ("-0", "0", "0"),
    ("100.1m", "100100u", "100100u"),
    ("1e-3", "1e-3", "1e-3"),
    ("1.5e3", "1500", "1500"),
    ("16310648Ki", "16310648Ki", "16310648Ki"),
]


@pytest.mark.parametrize(("text", "string", "canonical"), CASES)
def test_parse_and_format_like_go(text: str, string: str, canonical: str) -> None:
    q = Quantity(text)
    assert str(q) == string
    assert q.canonical() == canonical


@pytest.mark.parametrize(
    "text",
    ["", ".", "-", "+", "Ki", "1K", "1 Gi", " 1", "abc", "1e", "1.2.3", "1e3.5", "1Mi3", "1ee3",
     "1ki", "1mi", "1e3m", "\u0663", "1e\u0663", "1e99999999999", "--1", "1-", "0x10", "1_000"],
)  # fmt: skip
def test_invalid_strings_raise_value_error_naming_the_string(text: str) -> None:
    with pytest.raises(ValueError, match="quantity") as info:
        Quantity(text)
    assert repr(text) in str(info.value)


def test_formats_are_remembered() -> None:
    assert Quantity("1Ki").format is Format.BINARY_SI
    assert Quantity("1k").format is Format.DECIMAL_SI
    assert Quantity("1e3").format is Format.DECIMAL_EXPONENT
    assert Quantity("0.5Ki").format is Format.BINARY_SI
    assert Quantity("0.0001Ki").format is Format.DECIMAL_SI


def test_equality_ordering_and_hashing_are_by_value() -> None:
    assert Quantity("1") == Quantity("1000m") == Quantity("1e0") == Quantity("0.001k")
    assert Quantity("1Ki") == Quantity("1024")
    assert Quantity("1Gi") > Quantity("1G")
    assert Quantity("999m") < Quantity("1") <= Quantity("1000m")
    assert Quantity("2") >= Quantity("1.5") > Quantity("-3")
    assert len({Quantity("1"), Quantity("1000m"), Quantity("1.000")}) == 1
    assert sorted([Quantity("1Gi"), Quantity("100m"), Quantity("1G")]) == [
        Quantity("100m"),
        Quantity("1G"),
        Quantity("1Gi"),
    ]
    assert Quantity("1").cmp(Quantity("2")) == -1
    assert Quantity("2").cmp(Quantity("2000m")) == 0
    assert Quantity("1") != "1"  # a Quantity is not its text


def test_value_and_milli_value_round_up_like_go() -> None:
    assert Quantity("100.1m").milli_value() == 101
    assert Quantity("100m").milli_value() == 100
    assert Quantity("1").milli_value() == 1000
    assert Quantity("0.1Gi").value() == 107374183
    assert Quantity("1Gi").value() == 1073741824
    assert Quantity("1n").value() == 1
    assert Quantity("-1.5").value() == -2  # away from zero, as int64Amount does
    assert Quantity("1Ei").value() == 2**60
    assert Quantity("1e30").value() == 10**30  # exact, no int64 overflow
    assert Quantity("1500m").scaled_value(3) == 1  # ceil(1.5 / 1000)
    assert Quantity("2k").scaled_value(3) == 2


def test_arithmetic_is_exact_and_keeps_the_receivers_format() -> None:
    assert Quantity("1Gi") + Quantity("512Mi") == Quantity("1.5Gi")
    assert str(Quantity("1Gi") + Quantity("512Mi")) == "1536Mi"
    assert str(Quantity("100m") + Quantity("200m")) == "300m"
    assert str(Quantity("1") - Quantity("250m")) == "750m"
    assert str(Quantity("0") + Quantity("1Ki")) == "1Ki"  # zero takes the other's format
    assert str(Quantity("1k") + Quantity("24")) == "1024"
    assert str(Quantity("1Ki") + Quantity("1k")) == "2024"  # not divisible: plain number
    assert str(-Quantity("1.5Gi")) == "-1536Mi"
    assert str(Quantity("250m") * 4) == "1"
    assert str(3 * Quantity("1Gi")) == "3Gi"
    assert sum([Quantity("100m"), Quantity("200m"), Quantity("1")]) == Quantity("1.3")
    assert abs(Quantity("-2")) == Quantity("2")
    assert str(Quantity("8Ei") + Quantity("8Ei")) == "18446744073709551614"
    assert str(Quantity.from_decimal(2**73, Format.BINARY_SI)) == "8192Ei"  # stays binary


def test_arithmetic_drops_the_echoed_input_form() -> None:
    q = Quantity("1.441")
    assert str(q) == "1.441"
    assert str(q + Quantity("0")) == "1441m"  # as Go's Add clears the cached string


def test_numbers_parse_like_json_numbers() -> None:
    assert str(Quantity(1)) == "1"
    assert str(Quantity(0.5)) == "500m"
    assert str(Quantity(1.0)) == "1"
    assert str(Quantity(2048)) == "2048"
    assert str(Quantity(1e-7)) == "100e-9"
    with pytest.raises(TypeError):
        Quantity(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Quantity(None)  # type: ignore[arg-type]


def test_constructors_and_accessors() -> None:
    assert str(Quantity.from_milli(1441)) == "1441m"
    assert str(Quantity.from_decimal(3 * 2**30, Format.BINARY_SI)) == "3Gi"
    assert str(Quantity.from_decimal(Decimal("0.0000000001"))) == "1n"
    assert Quantity("1.5").as_decimal() == Decimal("1.5")
    assert Quantity("0").is_zero() and not Quantity("0")
    assert Quantity("-3").sign() == -1 and Quantity("3m").sign() == 1 and Quantity().sign() == 0
    assert repr(Quantity("1.5Gi")) == "Quantity('1536Mi')"
    q = Quantity("1.441")
    assert Quantity(q) == q and str(Quantity(q)) == "1.441"


def test_quantities_are_immutable_values() -> None:
    import copy

    q = Quantity("1.5Gi")
    assert copy.copy(q) is q and copy.deepcopy(q) is q
    restored = pickle.loads(pickle.dumps(q))
    assert restored == q and str(restored) == str(q)
    with pytest.raises(AttributeError):
        q.extra = 1  # type: ignore[attr-defined]


# -- properties ---------------------------------------------------------------------------------

_SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi"]
_SUFFIXES += ["e3", "e-3", "E6", "e0", "e21", "e-12"]

quantity_texts = st.builds(
    lambda sign, whole, frac, suffix: f"{sign}{whole}{'.' + frac if frac else ''}{suffix}",
    st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**20).map(str),
    st.one_of(st.just(""), st.integers(min_value=0, max_value=10**12).map(str)),
    st.sampled_from(_SUFFIXES),
)


@given(quantity_texts)
def test_text_round_trips_and_canonical_form_is_a_fixed_point(text: str) -> None:
    q = Quantity(text)
    again = Quantity(str(q))
    assert again == q
    assert str(again) == str(q)
    canonical = Quantity(q.canonical())
    assert canonical == q
    assert canonical.canonical() == q.canonical()


@given(quantity_texts)
def test_canonical_form_has_no_fraction_and_no_sign_unless_negative(text: str) -> None:
    out = Quantity(text).canonical()
    assert "." not in out and not out.startswith("+")
    assert out.startswith("-") == (Quantity(text).sign() < 0)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=9, min_value=-(10**15),
                   max_value=10**15),
       st.decimals(allow_nan=False, allow_infinity=False, places=9, min_value=-(10**15),
                   max_value=10**15))  # fmt: skip
def test_ordering_and_arithmetic_agree_with_decimal(a: Decimal, b: Decimal) -> None:
    qa, qb = Quantity.from_decimal(a), Quantity.from_decimal(b)
    assert (qa < qb) == (a < b)
    assert (qa == qb) == (a == b)
    assert (hash(qa) == hash(qb)) or a != b
    assert (qa + qb).as_decimal() == a + b
    assert (qa - qb).as_decimal() == a - b
    assert Quantity(str(qa)) == qa
