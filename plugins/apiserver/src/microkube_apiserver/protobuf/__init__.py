"""Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``) to JSON dicts.

A hand-written wire reader plus schemas of our own, keyed by the upstream field numbers; no
protobuf library is involved. ``decode_envelope`` is the entry point for a request body.
"""

from .convert import MAGIC, MEDIA_TYPE
from .decode import decode_envelope, decode_object, supported_kinds
from .errors import ProtobufError, UnsupportedKindError

__all__ = [
    "MAGIC",
    "MEDIA_TYPE",
    "ProtobufError",
    "UnsupportedKindError",
    "decode_envelope",
    "decode_object",
    "supported_kinds",
]
