"""The kubelet server's HTTP side: TLS, routing, keep-alive, errors, ``/pods``."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.testing import StaticPodDirectory, insecure_client_context, run_pod

from microkube.testing.fakes.runtime import FakeRuntime


@pytest.fixture
async def kubelet(tmp_path: Path):
    runtime = FakeRuntime()
    directory = StaticPodDirectory()
    server = KubeletServer(runtime, directory, node_name="node-a", port=0, cert_dir=tmp_path)
    await server.start()
    await run_pod(runtime, directory, tmp_path / "logs")
    yield server
    await server.stop()
    await runtime.close()


async def test_https_only_with_its_own_certificate(kubelet: KubeletServer, tmp_path: Path) -> None:
    context = ssl.create_default_context(cafile=str(tmp_path / "kubelet.crt"))
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"https://127.0.0.1:{kubelet.port}/healthz", ssl=context) as response,
    ):
        assert (response.status, await response.text()) == (200, "ok")
    # Plain HTTP is not spoken.
    reader, writer = await asyncio.open_connection("127.0.0.1", kubelet.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    assert b"200" not in await asyncio.wait_for(reader.read(), 30)
    writer.close()


async def test_routes_errors_and_keep_alive(kubelet: KubeletServer) -> None:
    base = f"https://127.0.0.1:{kubelet.port}"
    connector = aiohttp.TCPConnector(limit=1, ssl=insecure_client_context())
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(3):  # one connection, reused
            async with http.get(base + "/healthz") as response:
                assert response.status == 200
        async with http.get(base + "/nothing/here") as response:
            assert (response.status, await response.text()) == (404, "404 page not found\n")
        async with http.delete(base + "/pods") as response:
            assert response.status == 405
        async with http.get(base + "/pods") as response:
            pods = await response.json()
    assert pods["kind"] == "PodList"
    [item] = pods["items"]
    assert item["metadata"] == {"name": "web", "namespace": "default", "uid": "uid-1"}
    assert item["spec"]["containers"] == [{"name": "main"}]


async def test_stop_ends_open_connections(kubelet: KubeletServer) -> None:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", kubelet.port, ssl=insecure_client_context()
    )
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
    await kubelet.stop()
    assert await asyncio.wait_for(reader.read(), 30) == b""
    writer.close()


def make_ca_and_client(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a client certificate it signed (as the API server's kubelet client cert)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(client_key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.crt", directory / "c.crt", directory / "c.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(client.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


async def test_client_ca_requires_a_client_certificate(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_client(tmp_path)
    server = KubeletServer(
        FakeRuntime(),
        StaticPodDirectory(),
        node_name="node-a",
        port=0,
        cert_dir=tmp_path / "pki",
        client_ca_file=ca,
    )
    await server.start()
    try:
        with_cert = insecure_client_context()
        with_cert.load_cert_chain(cert, key)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=with_cert)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        writer.close()
        with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError)):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", server.port, ssl=insecure_client_context()
            )
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            await reader.readuntil(b"ok")
    finally:
        await server.stop()
