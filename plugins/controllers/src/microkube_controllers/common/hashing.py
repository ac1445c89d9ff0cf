"""Stable short hashes of pod templates (upstream ``controller.ComputeHash``).

Deployments name their ReplicaSets ``<deployment>-<hash>`` and label the pods with
``pod-template-hash: <hash>``; DaemonSets label theirs with ``controller-revision-hash``. The
hash is FNV-1a (32 bit) of the template, plus the collision count when there is one, written
in Kubernetes' "safe" alphabet (no vowels, no look-alike characters) as ``rand.SafeEncodeString``.
The template is serialised as canonical JSON (Go hashes its own struct dump, which Python
cannot reproduce bit for bit; what matters is that equal templates give equal hashes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["compute_hash", "fnv32a", "safe_encode"]

_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def fnv32a(data: bytes, start: int = 0x811C9DC5) -> int:
    value = start
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: each character mapped into the safe alphabet."""
    return "".join(_ALPHANUMS[ord(ch) % len(_ALPHANUMS)] for ch in text)


def compute_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """The pod-template-hash of ``template``; ``collision_count`` changes it on a collision."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = fnv32a(data)
    if collision_count is not None:
        # As upstream: the count as a little-endian uint32 in an 8-byte buffer.
        value = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(8, "little"), value)
    return safe_encode(str(value))
