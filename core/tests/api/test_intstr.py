"""IntOrString keeps its JSON type; percentages resolve like Go's intstr helpers."""

from __future__ import annotations

import copy
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microkube.api.intstr import IntOrString, scaled_value


def test_keeps_its_type() -> None:
    assert IntOrString(8080).value == 8080 and IntOrString(8080).is_int
    assert IntOrString("8080").value == "8080" and not IntOrString("8080").is_int
    assert IntOrString(8080) != IntOrString("8080")
    assert IntOrString("http") == IntOrString("http") == "http"
    assert IntOrString(80) == 80 and IntOrString(80) != "80"
    assert IntOrString(IntOrString("25%")) == "25%"
    assert len({IntOrString(1), IntOrString(1), IntOrString("a")}) == 2
    assert str(IntOrString(1)) == "1" and repr(IntOrString("x")) == "IntOrString('x')"


@pytest.mark.parametrize("bad", [True, 1.5, None, [1]])
def test_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError, match="int or a str"):
        IntOrString(bad)  # type: ignore[arg-type]


def test_parse_and_int_value_follow_go_atoi() -> None:
    assert IntOrString.parse("8080") == 8080
    assert IntOrString.parse("-3") == -3
    assert IntOrString.parse("http") == "http"
    assert IntOrString.parse(" 80") == " 80"  # Atoi takes no spaces
    assert IntOrString.parse("1_000") == "1_000"  # nor underscores
    assert IntOrString("42").int_value() == 42
    assert IntOrString("http").int_value() == 0
    assert IntOrString(7).int_value() == 7


@pytest.mark.parametrize(
    ("value", "total", "up", "down"),
    [
        ("25%", 10, 3, 2),  # maxSurge rounds up, maxUnavailable down
        ("25%", 4, 1, 1),
        ("50%", 3, 2, 1),
        ("100%", 7, 7, 7),
        ("0%", 9, 0, 0),
        ("10%", 0, 0, 0),
        ("1%", 1, 1, 0),
        ("200%", 3, 6, 6),
        (5, 100, 5, 5),
        (IntOrString(3), 10, 3, 3),
        (IntOrString("30%"), 10, 3, 3),
    ],
)
def test_scaled_value(value: object, total: int, up: int, down: int) -> None:
    assert scaled_value(value, total, round_up=True) == up  # type: ignore[arg-type]
    assert scaled_value(value, total, round_up=False) == down  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["25", "abc%", "%", "2.5%", " 5%", "http"])
def test_scaled_value_rejects_non_percentages(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        scaled_value(bad, 10, round_up=True)


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=10**6))
def test_percent_rounding_brackets_the_exact_value(percent: int, total: int) -> None:
    up = scaled_value(f"{percent}%", total, round_up=True)
    down = scaled_value(f"{percent}%", total, round_up=False)
    assert down * 100 <= percent * total <= up * 100
    assert up - down in (0, 1)


def test_is_an_immutable_value() -> None:
    v = IntOrString("25%")
    assert copy.copy(v) is v and copy.deepcopy(v) is v
    assert pickle.loads(pickle.dumps(v)) == v
