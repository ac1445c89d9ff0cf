"""The value transformers of an EncryptionConfiguration, as kube-apiserver writes them:

- ``aesgcm``: ``k8s:enc:aesgcm:v1:<key name>:`` + 12-byte nonce + AES-GCM ciphertext and tag,
  with the storage key as additional authenticated data (a value moved to another key does not
  decrypt);
- ``aescbc``: ``k8s:enc:aescbc:v1:<key name>:`` + 16-byte IV + AES-CBC ciphertext (PKCS#7);
- ``identity``: the value as is.

Keys are 16, 24 or 32 bytes (AES-128/192/256), given base64-encoded in the configuration.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["AesCbc", "AesGcm", "DecryptError", "Identity", "Transformer"]

PREFIX = b"k8s:enc:"


class DecryptError(Exception):
    """A stored value that no configured provider can read."""


class Transformer(ABC):
    """One provider with one key: ``prefix`` marks what it wrote."""

    prefix: bytes = b""

    @abstractmethod
    def encrypt(self, value: bytes, key: str) -> bytes:
        """``value`` as stored under the storage key ``key``."""

    @abstractmethod
    def decrypt(self, value: bytes, key: str) -> bytes:
        """The plain value of a stored ``value`` (DecryptError if this provider cannot)."""


class Identity(Transformer):
    def encrypt(self, value: bytes, key: str) -> bytes:
        return value

    def decrypt(self, value: bytes, key: str) -> bytes:
        return value


class AesGcm(Transformer):
    def __init__(self, name: str, secret: bytes) -> None:
        self.prefix = f"k8s:enc:aesgcm:v1:{name}:".encode()
        self._aead = AESGCM(secret)

    def encrypt(self, value: bytes, key: str) -> bytes:
        nonce = os.urandom(12)
        return self.prefix + nonce + self._aead.encrypt(nonce, value, key.encode())

    def decrypt(self, value: bytes, key: str) -> bytes:
        body = value[len(self.prefix) :]
        try:
            return self._aead.decrypt(body[:12], body[12:], key.encode())
        except Exception as exc:  # InvalidTag: wrong key, tampered value or moved value
            raise DecryptError(f"aesgcm: cannot decrypt the value of {key}") from exc


class AesCbc(Transformer):
    def __init__(self, name: str, secret: bytes) -> None:
        self.prefix = f"k8s:enc:aescbc:v1:{name}:".encode()
        self._key = secret

    def encrypt(self, value: bytes, key: str) -> bytes:
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(value) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(iv)).encryptor()
        return self.prefix + iv + encryptor.update(padded) + encryptor.finalize()

    def decrypt(self, value: bytes, key: str) -> bytes:
        body = value[len(self.prefix) :]
        if len(body) < 32 or len(body) % 16:
            raise DecryptError(f"aescbc: the value of {key} is not a whole number of blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(body[:16])).decryptor()
        try:
            padded = decryptor.update(body[16:]) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise DecryptError(f"aescbc: cannot decrypt the value of {key}") from exc
