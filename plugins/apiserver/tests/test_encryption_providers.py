"""EncryptionConfiguration parsing and the aesgcm/aescbc/identity transformers."""

from __future__ import annotations

import base64

import pytest
from microkube_apiserver.encryption.config import parse_encryption_config
from microkube_apiserver.encryption.providers import AesCbc, AesGcm, DecryptError

from microkube.config import ConfigError

KEY = "/registry/core/secrets/default/s"
K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 16).decode()


def config(*providers, resources=("secrets",)):
    return parse_encryption_config(
        {
            "apiVersion": "apiserver.config.k8s.io/v1",
            "kind": "EncryptionConfiguration",
            "resources": [{"resources": list(resources), "providers": list(providers)}],
        },
        "test",
    )


@pytest.mark.parametrize("kind", [AesGcm, AesCbc])
def test_round_trip_and_prefix(kind):
    transformer = kind("k1", b"k" * 32)
    sealed = transformer.encrypt(b"top secret", KEY)
    name = "aesgcm" if kind is AesGcm else "aescbc"
    assert sealed.startswith(f"k8s:enc:{name}:v1:k1:".encode())
    assert b"top secret" not in sealed
    assert transformer.decrypt(sealed, KEY) == b"top secret"
    with pytest.raises(DecryptError):
        kind("k1", b"x" * 32).decrypt(sealed, KEY)


def test_gcm_binds_the_value_to_its_key():
    transformer = AesGcm("k1", b"k" * 32)
    with pytest.raises(DecryptError):
        transformer.decrypt(transformer.encrypt(b"v", KEY), "/registry/core/secrets/default/t")


def test_first_provider_writes_all_read():
    rotated = config(
        {"aesgcm": {"keys": [{"name": "new", "secret": K1}, {"name": "old", "secret": K2}]}},
        {"identity": {}},
    )
    encryption = rotated.for_key(KEY)
    assert encryption is not None and rotated.for_key("/registry/core/configmaps/a/b") is None
    assert encryption.write.prefix == b"k8s:enc:aesgcm:v1:new:"
    assert [t.prefix for t in encryption.read] == [
        b"k8s:enc:aesgcm:v1:new:",
        b"k8s:enc:aesgcm:v1:old:",
        b"",
    ]
    assert config({"identity": {}}, resources=("deployments.apps",)).for_key(
        "/registry/apps/deployments/a/b"
    )


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ({"aesgcm": {"keys": [{"name": "k", "secret": "short"}]}}, "not valid base64"),
        ({"aesgcm": {"keys": [{"name": "k", "secret": "c2hvcnQ="}]}}, "16, 24 or 32 bytes"),
        ({"aesgcm": {"keys": []}}, "at least one key"),
        ({"kms": {}}, "'kms' is not supported"),
        ({"rot13": {}}, "unknown provider 'rot13'"),
    ],
)
def test_bad_configuration_names_the_problem(provider, message):
    with pytest.raises(ConfigError, match=message):
        config(provider)
