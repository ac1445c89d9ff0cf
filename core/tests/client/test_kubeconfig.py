"""Kubeconfig and in-cluster loading, the writer, and TLS + token auth against a real server."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest
import trustme

from microkube.client import ApiClient, KubeConfigError, TransportError, UnauthorizedError
from microkube.client.kubeconfig import (
    ClientConfig,
    TokenSource,
    config_from_kubeconfig,
    load_config,
    load_incluster_config,
    load_kubeconfig,
    make_kubeconfig,
    write_kubeconfig,
)
from microkube.testing.fakeapi import FakeApiServer, ServerTLS


def two_contexts() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "a", "cluster": {"server": "https://a.example:6443/"}},
            {"name": "b", "cluster": {"server": "http://127.0.0.1:8080"}},
        ],
        "users": [
            {"name": "alice", "user": {"token": "t-alice"}},
            {"name": "bob", "user": {"username": "bob", "password": "pw"}},
        ],
        "contexts": [
            {"name": "ctx-a", "context": {"cluster": "a", "user": "alice", "namespace": "team"}},
            {"name": "ctx-b", "context": {"cluster": "b", "user": "bob"}},
        ],
        "current-context": "ctx-a",
    }


def write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_current_and_named_context(tmp_path: Path) -> None:
    path = write(tmp_path / "config", two_contexts())
    current = load_kubeconfig(path)
    assert (current.server, current.namespace, current.token) == (
        "https://a.example:6443",
        "team",
        "t-alice",
    )
    assert current.context == "ctx-a" and current.uses_tls
    named = load_kubeconfig(path, context="ctx-b")
    assert (named.server, named.namespace, named.ssl_context()) == (
        "http://127.0.0.1:8080",
        "default",
        None,
    )
    assert TokenSource(named).authorization() == "Basic " + base64.b64encode(b"bob:pw").decode()


def test_yaml_kubeconfig_and_missing_pyyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(two_contexts()))
    assert load_kubeconfig(path).token == "t-alice"
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(KubeConfigError, match=r"pip install 'microkube\[yaml\]'"):
        load_kubeconfig(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update({"current-context": ""}), "no current-context is set"),
        (lambda d: d.update({"current-context": "nope"}), 'context "nope" not found'),
        (lambda d: d["contexts"][0]["context"].update(cluster="x"), 'unknown cluster "x"'),
        (lambda d: d["contexts"][0]["context"].update(user="x"), 'unknown user "x"'),
        (lambda d: d["clusters"][0]["cluster"].pop("server"), 'cluster "a" has no server'),
        (
            lambda d: d["clusters"][0]["cluster"].update({"certificate-authority": "missing.crt"}),
            "cannot read certificate-authority .*missing.crt",
        ),
        (
            lambda d: d["users"][0]["user"].update({"client-certificate-data": "%%%"}),
            "client-certificate-data is not valid base64",
        ),
        (
            lambda d: d["users"][0]["user"].update({"exec": {"command": "x"}}),
            "uses exec credentials",
        ),
        (lambda d: d["users"][0]["user"].update({"tokenFile": "/nonexistent"}), "tokenFile"),
    ],
)
def test_errors_are_one_line_and_name_the_problem(tmp_path: Path, change, message: str) -> None:
    doc = two_contexts()
    change(doc)
    with pytest.raises(KubeConfigError, match=message) as info:
        load_kubeconfig(write(tmp_path / "config", doc))
    assert "\n" not in str(info.value)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(KubeConfigError, match="cannot read"):
        load_kubeconfig(tmp_path / "absent")
    (tmp_path / "bad").write_text("[1, 2]")
    with pytest.raises(KubeConfigError, match="not a mapping"):
        load_kubeconfig(tmp_path / "bad")


def test_relative_files_resolve_against_the_kubeconfig(tmp_path: Path) -> None:
    ca = trustme.CA()
    (tmp_path / "certs").mkdir()
    ca.cert_pem.write_to_path(str(tmp_path / "certs" / "ca.crt"))
    (tmp_path / "certs" / "token").write_text("from-file\n")
    doc = two_contexts()
    doc["clusters"][0]["cluster"]["certificate-authority"] = "certs/ca.crt"
    doc["users"][0]["user"] = {"tokenFile": "certs/token"}
    config = load_kubeconfig(write(tmp_path / "config", doc))
    assert config.ca_data == ca.cert_pem.bytes().decode()
    assert TokenSource(config).token() == "from-file"


def test_kubeconfig_env_merges_first_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = two_contexts()
    first["clusters"] = [{"name": "a", "cluster": {"server": "https://first:1"}}]
    second = two_contexts()
    second["current-context"] = "ctx-b"
    paths = [write(tmp_path / "one", first), tmp_path / "missing", write(tmp_path / "two", second)]
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(map(str, paths)))
    merged = load_kubeconfig()
    assert merged.server == "https://first:1" and merged.context == "ctx-a"
    assert load_kubeconfig(context="ctx-b").server == "http://127.0.0.1:8080"
    assert load_config().server == "https://first:1"


def test_token_file_is_reread(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("one")
    source = TokenSource(ClientConfig(server="https://x", token_file=str(token)), ttl=0.0)
    assert source.authorization() == "Bearer one"
    token.write_text("two")
    assert source.token() == "two"


def test_in_cluster_config(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
    (tmp_path / "token").write_text("sa-token")
    (tmp_path / "namespace").write_text("kube-system\n")
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    config = load_incluster_config(tmp_path, env)
    assert config.server == "https://[fd00::1]:443"
    assert config.namespace == "kube-system" and config.ca_data
    assert TokenSource(config).token() == "sa-token"
    with pytest.raises(KubeConfigError, match="not running in a cluster"):
        load_incluster_config(tmp_path, {})
    (tmp_path / "token").unlink()
    with pytest.raises(KubeConfigError, match="service-account token"):
        load_incluster_config(tmp_path, env)


def test_writer_round_trips_privately(tmp_path: Path) -> None:
    doc = make_kubeconfig(
        "https://127.0.0.1:6443",
        namespace="dev",
        token="tok",
        ca_data="-----BEGIN CERTIFICATE-----\n",
    )
    path = tmp_path / "sub" / "kubeconfig"
    write_kubeconfig(path, doc)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == doc
    config = load_kubeconfig(path)
    assert (config.server, config.namespace, config.token) == (
        "https://127.0.0.1:6443",
        "dev",
        "tok",
    )
    assert config.ca_data == "-----BEGIN CERTIFICATE-----\n"
    assert [p.name for p in path.parent.iterdir()] == ["kubeconfig"]


# -- TLS against the fake API server ------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as files and PEM."""
    root = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("admin@microkube")
    server.private_key_and_cert_chain_pem.write_to_path(str(root / "server.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    return {
        "dir": root,
        "ca_pem": ca.cert_pem.bytes().decode(),
        "server": str(root / "server.pem"),
        "client_cert": client.cert_chain_pems[0].bytes(),
        "client_key": client.private_key_pem.bytes(),
        "other_ca_pem": trustme.CA().cert_pem.bytes().decode(),
    }


def tls_server(pki: dict, **kwargs) -> FakeApiServer:
    tls = ServerTLS(pki["server"], pki["server"], pki["ca_pem"], **kwargs)
    return FakeApiServer(token="secret", tls=tls)


async def test_tls_with_bearer_token(pki: dict) -> None:
    server = tls_server(pki)
    async with server:
        assert server.url.startswith("https://127.0.0.1:")
        async with ApiClient(server.client_config()) as api:
            assert (await api.version())["gitVersion"].startswith("v1.32")
        async with ApiClient(server.client_config(token="wrong")) as api:
            with pytest.raises(UnauthorizedError):
                await api.get("namespaces", "default")
        async with ApiClient(server.client_config(token=None)) as api:
            with pytest.raises(UnauthorizedError):
                await api.version()


async def test_tls_rejects_an_unknown_ca_unless_told_to_skip(pki: dict) -> None:
    server = tls_server(pki)
    async with server:
        doc = server.kubeconfig()
        cluster = doc["clusters"][0]["cluster"]
        cluster["certificate-authority-data"] = base64.b64encode(
            pki["other_ca_pem"].encode()
        ).decode()
        async with ApiClient(config_from_kubeconfig(doc)) as api:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                await api.version()
        del cluster["certificate-authority-data"]
        cluster["insecure-skip-tls-verify"] = True
        async with ApiClient(config_from_kubeconfig(doc)) as api:
            assert (await api.version())["major"] == "1"


async def test_tls_client_certificate_from_data(pki: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def recording_mkstemp(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        made.append(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", recording_mkstemp)
    server = tls_server(pki, client_ca_file=str(pki["dir"] / "ca.pem"))
    async with server:
        config = server.client_config(
            token=None, client_cert_pem=pki["client_cert"], client_key_pem=pki["client_key"]
        )
        async with ApiClient(config) as api:
            assert (await api.get("namespaces", "default"))["metadata"]["name"] == "default"
        assert len(made) == 2 and not any(map(Path.exists, map(Path, made)))
        async with ApiClient(server.client_config(token=None)) as api:
            with pytest.raises(UnauthorizedError):
                await api.version()


def test_client_certificate_load_error_is_clear() -> None:
    config = ClientConfig(server="https://x", cert_data=b"not a pem", key_data=b"nope")
    with pytest.raises(KubeConfigError, match="cannot load the client certificate"):
        config.ssl_context()
