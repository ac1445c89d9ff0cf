"""Errors of the protobuf decoder, each carrying the HTTP status the server answers with."""

from __future__ import annotations


class ProtobufError(ValueError):
    """A protobuf body that cannot be decoded; the message is one line, fit for a Status."""

    http_status = 400


class UnsupportedKindError(ProtobufError):
    """A well-formed envelope naming an (apiVersion, kind) that has no schema here."""

    http_status = 415

    def __init__(self, api_version: str, kind: str) -> None:
        self.api_version = api_version
        self.kind = kind
        super().__init__(
            f"no protobuf schema for {kind} in {api_version or '(no apiVersion)'}; "
            "send it as application/json"
        )
