"""The kubelet's self-signed serving certificate (``kubelet.crt``/``kubelet.key``).

Without a CA-signed certificate the kubelet makes its own at first start and reuses it, as
upstream does in ``/var/lib/kubelet/pki``; the API server does not verify kubelet serving
certificates unless configured to. It is made again when missing, unreadable, expired, or
when it no longer names the node or the address served on.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = "kubelet.crt"
KEY_FILE = "kubelet.key"
VALIDITY = datetime.timedelta(days=365)


def _san_names(node_name: str, address: str) -> tuple[set[str], set[str]]:
    dns, ips = {node_name}, {"127.0.0.1"}
    for name in (address,):
        try:
            ips.add(str(ipaddress.ip_address(name)))
        except ValueError:
            if name:
                dns.add(name)
    # "0.0.0.0"/"::" mean every address, which no SAN can name; keep the loopback.
    ips.discard("0.0.0.0")
    ips.discard("::")
    dns.discard("")
    return dns, ips


def _usable(cert_path: Path, key_path: Path, dns: set[str], ips: set[str]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return False
    if cert.not_valid_after_utc <= datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1):
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_dns = set(san.get_values_for_type(x509.DNSName))
    have_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return dns <= have_dns and ips <= have_ips


def ensure_serving_cert(
    cert_dir: str | os.PathLike[str], node_name: str, address: str
) -> tuple[Path, Path]:
    """The certificate and key paths in ``cert_dir``, made (or made again) when needed."""
    directory = Path(cert_dir)
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    dns, ips = _san_names(node_name, address)
    if _usable(cert_path, key_path, dns, ips):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    # Upstream names a self-signed kubelet certificate "<host>@<unix time>".
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{node_name}@{int(time.time())}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(d) for d in sorted(dns)]
                + [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(key_path, key_bytes, 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert_path, key_path


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def server_ssl_context(
    cert_path: Path, key_path: Path, client_ca_file: str | os.PathLike[str] | None = None
) -> ssl.SSLContext:
    """TLS for the server; with ``client_ca_file`` (the kubelet's ``--client-ca-file``) only
    clients presenting a certificate signed by that CA get in."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    if client_ca_file is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(client_ca_file))
    return context
