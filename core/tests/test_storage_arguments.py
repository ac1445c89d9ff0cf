"""The storage contract's argument rules, shared by every backend."""

from __future__ import annotations

import pytest

from microkube.contracts.storage import as_bytes, check_key, non_negative


def test_keys_are_str() -> None:
    check_key("/registry/pods/a")
    with pytest.raises(TypeError, match="keys are str, not bytes"):
        check_key(b"/registry")


def test_values_are_bytes_like() -> None:
    assert as_bytes(bytearray(b"v")) == b"v" and as_bytes(memoryview(b"w")) == b"w"
    with pytest.raises(TypeError, match="values are bytes, not str"):
        as_bytes("v")


@pytest.mark.parametrize(
    ("value", "error"), [(True, TypeError), (1.0, TypeError), (-1, ValueError)]
)
def test_revisions_are_non_negative_ints(value: object, error: type[Exception]) -> None:
    assert non_negative("limit", 0) == 0
    with pytest.raises(error, match="limit"):
        non_negative("limit", value)
