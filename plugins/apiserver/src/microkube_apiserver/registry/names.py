"""``metadata.generateName``: the prefix plus five random characters, as Kubernetes does."""

from __future__ import annotations

import secrets

__all__ = ["MAX_NAME_LENGTH", "generate_name"]

# Kubernetes' utilrand alphabet: no vowels (no words), no 0/1/3 (no look-alikes).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_RANDOM_LENGTH = 5
MAX_NAME_LENGTH = 63


def generate_name(base: str) -> str:
    """``base`` (cut so the result fits 63 characters) plus 5 random characters."""
    if len(base) > MAX_NAME_LENGTH - _RANDOM_LENGTH:
        base = base[: MAX_NAME_LENGTH - _RANDOM_LENGTH]
    return base + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
