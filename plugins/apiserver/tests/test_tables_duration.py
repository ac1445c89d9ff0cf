"""AGE formatting: the cases of apimachinery's duration_test.go, and timestamp parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from microkube_apiserver.tables.duration import (
    human_duration,
    parse_time,
    short_human_duration,
    since,
    until,
)

S = 10**9
MS = 10**6
M = 60 * S
H = 60 * M
D = 24 * H

# TestHumanDuration and TestHumanDurationBoundaries (k8s.io/apimachinery/pkg/util/duration).
HUMAN = [
    (S, "1s"),
    (70 * S, "70s"),
    (190 * S, "3m10s"),
    (70 * M, "70m"),
    (47 * H, "47h"),
    (49 * H, "2d1h"),
    ((8 * 24 + 2) * H, "8d"),
    (367 * D, "367d"),
    ((365 * 2 * 24 + 25) * H, "2y1d"),
    ((365 * 8 * 24 + 2) * H, "8y"),
    (-2 * S, "<invalid>"),
    (-2 * S + 1, "0s"),
    (0, "0s"),
    (S - MS, "0s"),
    (2 * M - MS, "119s"),
    (2 * M, "2m"),
    (2 * M + S, "2m1s"),
    (10 * M - MS, "9m59s"),
    (10 * M, "10m"),
    (10 * M + S, "10m"),
    (3 * H - MS, "179m"),
    (3 * H, "3h"),
    (3 * H + M, "3h1m"),
    (8 * H - MS, "7h59m"),
    (8 * H, "8h"),
    (8 * H + 59 * M, "8h"),
    (2 * D - MS, "47h"),
    (2 * D, "2d"),
    (2 * D + H, "2d1h"),
    (8 * D - MS, "7d23h"),
    (8 * D, "8d"),
    (8 * D + 23 * H, "8d"),
    (2 * 365 * D - MS, "729d"),
    (2 * 365 * D, "2y"),
    (2 * 365 * D + 23 * H, "2y"),
    (2 * 365 * D + 23 * H + 59 * M, "2y"),
    (2 * 365 * D + D - MS, "2y"),
    (2 * 365 * D + D, "2y1d"),
    (3 * 365 * D, "3y"),
    (7 * 365 * D, "7y"),
    (8 * 365 * D - MS, "7y364d"),
    (8 * 365 * D, "8y"),
    (8 * 365 * D + 364 * D, "8y"),
    (9 * 365 * D, "9y"),
]

# TestShortHumanDurationBoundaries.
SHORT = [
    (-2 * S, "<invalid>"),
    (-2 * S + 1, "0s"),
    (0, "0s"),
    (S - MS, "0s"),
    (S, "1s"),
    (2 * S - MS, "1s"),
    (M - MS, "59s"),
    (M, "1m"),
    (2 * M - MS, "1m"),
    (H - MS, "59m"),
    (H, "1h"),
    (2 * H - MS, "1h"),
    (D - MS, "23h"),
    (D, "1d"),
    (2 * D - MS, "1d"),
    (365 * D - MS, "364d"),
    (365 * D, "1y"),
    (2 * 365 * D - MS, "1y"),
    (2 * 365 * D, "2y"),
]


@pytest.mark.parametrize(("ns", "text"), HUMAN)
def test_human_duration_matches_apimachinery(ns: int, text: str) -> None:
    assert human_duration(ns) == text


@pytest.mark.parametrize(("ns", "text"), SHORT)
def test_short_human_duration_matches_apimachinery(ns: int, text: str) -> None:
    assert short_human_duration(ns) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00.123456Z", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T10:00:00.123456789Z", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
        ("yesterday", None),
    ],
)
def test_parse_time(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected


NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_since_and_until() -> None:
    assert since("2024-05-01T11:57:00Z", NOW) == "3m"
    assert since("2024-05-01T11:56:50Z", NOW) == "3m10s"
    assert since(NOW - timedelta(days=2, hours=3), NOW) == "2d3h"
    assert since(None, NOW) == "<unknown>"
    # Created in the future beyond the 2 s tolerance: Kubernetes prints <invalid>.
    assert since("2024-05-01T12:00:05Z", NOW) == "<invalid>"
    assert since("2024-05-01T12:00:01Z", NOW) == "0s"
    assert until("2024-05-01T17:00:00Z", NOW) == "5h"
    assert until(None, NOW) == "<unknown>"
