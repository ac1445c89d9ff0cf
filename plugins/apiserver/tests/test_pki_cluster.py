"""The cluster PKI: minted once into the data directory (0600), reused after, with the SANs
and subjects kubeadm gives; a TLS handshake with a component's certificate works."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import stat

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from microkube_apiserver.pki import (
    COMPONENT_IDENTITIES,
    ClusterPki,
    kubelet_identity,
    serving_names,
)
from microkube_apiserver.pki.certs import issue, make_ca


def _names(pair) -> tuple[list[str], list[str]]:
    san = pair.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.DNSName), [
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    ]


def test_serving_certificate_names_as_kubeadm(tmp_path):
    names = serving_names("10.96.0.0/12", "cluster.local", "0.0.0.0", ["api.example"])
    pki = ClusterPki.ensure(tmp_path / "pki", names)
    dns, ips = _names(pki.serving)
    assert {
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "api.example",
    } <= set(dns)
    assert {"127.0.0.1", "::1", "10.96.0.1"} <= {str(ipaddress.ip_address(ip)) for ip in ips}
    usages = pki.serving.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert list(usages.value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    constraints = pki.ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca is True


def test_files_are_private_and_never_minted_again(tmp_path):
    directory = tmp_path / "pki"
    first = ClusterPki.ensure(directory, ["localhost"])
    admin = first.client(COMPONENT_IDENTITIES[0])
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {
        "ca.crt",
        "ca.key",
        "apiserver.crt",
        "apiserver.key",
        "sa.key",
        "sa.pub",
        "admin.crt",
        "admin.key",
    }
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    contents = {p: p.read_bytes() for p in files}
    again = ClusterPki.ensure(directory, ["localhost", "other.name"])
    assert again.ca.cert_pem == first.ca.cert_pem
    assert again.serving.cert_pem == first.serving.cert_pem
    assert again.sa_key_pem == first.sa_key_pem
    assert again.client(COMPONENT_IDENTITIES[0]).cert_pem == admin.cert_pem
    assert {p: p.read_bytes() for p in files} == contents


def test_client_certificates_carry_user_and_groups(tmp_path):
    pki = ClusterPki.ensure(tmp_path / "pki", ["localhost"])
    expected = {
        "admin": ("kubernetes-admin", ["system:masters"]),
        "scheduler": ("system:kube-scheduler", []),
        "controller-manager": ("system:kube-controller-manager", []),
        "kube-proxy": ("system:kube-proxy", []),
        "dns": (
            "system:serviceaccount:kube-system:kube-dns",
            ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
        ),
        "kubelet-node-a": ("system:node:node-a", ["system:nodes"]),
    }
    for identity in (*COMPONENT_IDENTITIES, kubelet_identity("node-a")):
        cert = pki.client(identity).certificate
        subject = cert.subject
        user = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        groups = [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
        assert (user, groups) == expected[identity.file]
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


async def test_tls_handshake_presents_the_client_certificate(tmp_path):
    pki = ClusterPki.ensure(tmp_path / "pki", ["localhost", "127.0.0.1"])
    seen: list[dict] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("peercert"))
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=pki.server_ssl_context())
    port = server.sockets[0].getsockname()[1]
    pair = pki.client(kubelet_identity("n1"))
    cert_file, key_file = tmp_path / "c.crt", tmp_path / "c.key"
    cert_file.write_bytes(pair.cert_pem)
    key_file.write_bytes(pair.key_pem)
    client = ssl.create_default_context(cadata=pki.ca.cert_pem.decode())
    client.load_cert_chain(cert_file, key_file)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()
        # No certificate at all is fine too (CERT_OPTIONAL: a token may follow).
        plain = ssl.create_default_context(cadata=pki.ca.cert_pem.decode())
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=plain)
        await asyncio.sleep(0.05)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    subject = dict(rdn[0] for rdn in seen[0]["subject"])
    assert subject == {"commonName": "system:node:n1", "organizationName": "system:nodes"}
    assert not seen[1]


def test_a_leaf_needs_a_purpose():
    ca = make_ca()
    try:
        issue(ca, "nobody")
    except ValueError as exc:
        assert "serve names or be a client" in str(exc)
    else:
        raise AssertionError("a certificate without a purpose was minted")
