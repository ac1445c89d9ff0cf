"""Secret defaults: write-only ``stringData`` is merged into ``data`` and never stored."""

from __future__ import annotations

import base64

from microkube_apiserver.admission.defaults.core import default_secret


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_string_data_is_merged_into_data_and_dropped() -> None:
    secret = {"data": {"a": _b64("old"), "b": _b64("kept")}, "stringData": {"a": "new", "c": "x"}}
    default_secret(secret)
    assert secret == {
        "type": "Opaque",
        "data": {"a": _b64("new"), "b": _b64("kept"), "c": _b64("x")},
    }


def test_string_data_alone_becomes_data() -> None:
    secret = {"type": "kubernetes.io/basic-auth", "stringData": {"username": "admin"}}
    default_secret(secret)
    assert secret == {"type": "kubernetes.io/basic-auth", "data": {"username": _b64("admin")}}


def test_malformed_string_data_is_left_for_validation() -> None:
    secret = {"stringData": {"a": 1}}
    default_secret(secret)
    assert secret == {"type": "Opaque", "stringData": {"a": 1}}
