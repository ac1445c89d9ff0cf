"""Reading an EncryptionConfiguration (``apiserver.config.k8s.io/v1``, YAML or JSON), as
kube-apiserver's ``--encryption-provider-config``:

```yaml
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm: {keys: [{name: key1, secret: <base64 of 32 random bytes>}]}
      - identity: {}
```

For each listed resource the first provider (its first key) encrypts new writes; every
provider and key may decrypt, so keys rotate by adding a new one first. A mistake raises
:class:`~microkube.config.ConfigError` naming the file and the entry.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from microkube.config import ConfigError
from microkube_apiserver.encryption.providers import AesCbc, AesGcm, Identity, Transformer

__all__ = ["EncryptionConfig", "ResourceEncryption", "load_encryption_config"]

_KINDS = {"aesgcm": AesGcm, "aescbc": AesCbc}
_UNSUPPORTED = ("secretbox", "kms")


@attrs.frozen
class ResourceEncryption:
    """How one resource's values are stored: ``write`` encrypts, ``read`` may decrypt."""

    write: Transformer
    read: tuple[Transformer, ...]


@attrs.frozen
class EncryptionConfig:
    #: store key prefix (``/registry/core/secrets/``) -> its encryption
    by_prefix: Mapping[str, ResourceEncryption]

    def for_key(self, key: str) -> ResourceEncryption | None:
        for prefix, encryption in self.by_prefix.items():
            if key.startswith(prefix):
                return encryption
        return None


def _prefix(resource: str) -> str:
    plural, _, group = resource.partition(".")
    return f"/registry/{group or 'core'}/{plural}/"


def _transformers(entry: Mapping[str, Any], where: str) -> list[Transformer]:
    if not isinstance(entry, Mapping) or len(entry) != 1:
        raise ConfigError(f"{where}: each provider is one of aesgcm, aescbc, identity")
    ((kind, body),) = entry.items()
    if kind == "identity":
        return [Identity()]
    if kind in _UNSUPPORTED:
        raise ConfigError(f"{where}: provider {kind!r} is not supported (aesgcm, aescbc, identity)")
    if kind not in _KINDS:
        raise ConfigError(f"{where}: unknown provider {kind!r} (aesgcm, aescbc, identity)")
    keys = (body or {}).get("keys") if isinstance(body, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise ConfigError(f"{where}.{kind}.keys: at least one key is required")
    found: list[Transformer] = []
    for number, key in enumerate(keys):
        name = (key or {}).get("name") if isinstance(key, Mapping) else None
        secret = (key or {}).get("secret") if isinstance(key, Mapping) else None
        place = f"{where}.{kind}.keys[{number}]"
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{place}.name: required")
        try:
            raw = base64.b64decode(str(secret or ""), validate=True)
        except binascii.Error:
            raise ConfigError(f"{place}.secret: not valid base64") from None
        if len(raw) not in (16, 24, 32):
            raise ConfigError(f"{place}.secret: must be 16, 24 or 32 bytes, got {len(raw)}")
        found.append(_KINDS[kind](name, raw))
    return found


def parse_encryption_config(doc: Any, source: str) -> EncryptionConfig:
    if not isinstance(doc, Mapping) or doc.get("kind") != "EncryptionConfiguration":
        raise ConfigError(f"{source}: not an EncryptionConfiguration")
    by_prefix: dict[str, ResourceEncryption] = {}
    for number, group in enumerate(doc.get("resources") or ()):
        where = f"{source}: resources[{number}]"
        resources = (group or {}).get("resources") if isinstance(group, Mapping) else None
        providers = (group or {}).get("providers") if isinstance(group, Mapping) else None
        if not isinstance(resources, list) or not resources:
            raise ConfigError(f"{where}.resources: at least one resource is required")
        if not isinstance(providers, list) or not providers:
            raise ConfigError(f"{where}.providers: at least one provider is required")
        transformers: list[Transformer] = []
        for index, provider in enumerate(providers):
            transformers += _transformers(provider, f"{where}.providers[{index}]")
        encryption = ResourceEncryption(write=transformers[0], read=tuple(transformers))
        for resource in resources:
            if not isinstance(resource, str) or "*" in resource:
                raise ConfigError(f"{where}.resources: {resource!r} must name one resource")
            by_prefix.setdefault(_prefix(resource), encryption)
    if not by_prefix:
        raise ConfigError(f"{source}: no resources to encrypt")
    return EncryptionConfig(by_prefix=by_prefix)


def load_encryption_config(path: str | Path) -> EncryptionConfig:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(
            f"encryption-provider-config {path}: cannot read: {exc.strerror}"
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"encryption-provider-config {path}: not YAML: {exc}") from None
    return parse_encryption_config(doc, f"encryption-provider-config {path}")
