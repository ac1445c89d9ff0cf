"""The kubelet's self-signed serving certificate."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from microkube_kubelet.server.certs import ensure_serving_cert, server_ssl_context


def sans(cert_path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    }


def test_made_once_then_reused(tmp_path: Path) -> None:
    cert, key = ensure_serving_cert(tmp_path / "pki", "node-a", "10.1.2.3")
    assert sans(cert) == ({"node-a"}, {"127.0.0.1", "10.1.2.3"})
    assert key.stat().st_mode & 0o777 == 0o600
    subject = x509.load_pem_x509_certificate(cert.read_bytes()).subject
    assert subject.rfc4514_string().startswith("CN=node-a@")
    before = cert.read_bytes()
    assert ensure_serving_cert(tmp_path / "pki", "node-a", "10.1.2.3") == (cert, key)
    assert cert.read_bytes() == before
    assert isinstance(server_ssl_context(cert, key), ssl.SSLContext)


def test_made_again_for_a_new_name_or_a_broken_file(tmp_path: Path) -> None:
    cert, key = ensure_serving_cert(tmp_path, "node-a", "127.0.0.1")
    first = cert.read_bytes()
    ensure_serving_cert(tmp_path, "node-b", "127.0.0.1")
    assert cert.read_bytes() != first
    assert "node-b" in sans(cert)[0]
    key.write_text("garbage")
    ensure_serving_cert(tmp_path, "node-b", "127.0.0.1")
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_hostname_and_wildcard_addresses(tmp_path: Path) -> None:
    cert, _ = ensure_serving_cert(tmp_path, "node-a", "node-a.example")
    assert sans(cert) == ({"node-a", "node-a.example"}, {"127.0.0.1"})
    cert, _ = ensure_serving_cert(tmp_path / "any", "node-a", "0.0.0.0")
    assert sans(cert)[1] == {str(ipaddress.ip_address("127.0.0.1"))}
