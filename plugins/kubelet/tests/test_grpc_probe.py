"""The hand-encoded grpc.health.v1 messages."""

from __future__ import annotations

from microkube_kubelet.grpc_probe import decode_response, encode_request


def test_request_encoding():
    assert encode_request("") == b""
    assert encode_request("svc") == b"\x0a\x03svc"
    long = "s" * 200
    assert encode_request(long)[:3] == b"\x0a\xc8\x01"


def test_response_decoding():
    assert decode_response(b"") == 0
    assert decode_response(b"\x08\x01") == 1
    assert decode_response(b"\x08\x02") == 2
    assert decode_response(b"\x12\x02ab\x08\x03") == 3  # unknown field skipped
