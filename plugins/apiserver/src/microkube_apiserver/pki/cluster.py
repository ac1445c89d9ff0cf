"""The cluster's PKI in ``<data-dir>/pki``: minted on first start, reused ever after.

```
pki/ca.crt ca.key                  the cluster CA (trusted by every kubeconfig)
pki/apiserver.crt apiserver.key    the API server's serving certificate
pki/sa.key sa.pub                  the service-account token signing pair
pki/clients/<name>.crt <name>.key  one client certificate per component identity
```

A file that exists is never minted again (a restart keeps the CA that every kubeconfig and
every issued token trusts). All files are mode 0600.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from microkube_apiserver.pki.certs import KeyPair, issue, key_pem, load_pair, make_ca, new_key
from microkube_apiserver.pki.files import write_private
from microkube_apiserver.pki.identities import Identity

__all__ = ["ClusterPki"]


class ClusterPki:
    """The CA, the serving pair, the service-account keys and client pairs of one cluster."""

    def __init__(
        self, directory: Path, ca: KeyPair, serving: KeyPair, sa_key_pem: bytes, sa_pub_pem: bytes
    ) -> None:
        self.directory = directory
        self.ca = ca
        self.serving = serving
        self.sa_key_pem = sa_key_pem
        self.sa_pub_pem = sa_pub_pem

    @classmethod
    def ensure(
        cls, directory: Path, server_names: Sequence[str] | Callable[[], Sequence[str]]
    ) -> ClusterPki:
        """Load the PKI from ``directory``, minting whatever is missing. ``server_names`` may
        be a function: it is then called only if the serving certificate must be minted (the
        host's names can take a resolver round trip to find)."""
        ca = _pair(directory, "ca", make_ca)

        def mint_serving() -> KeyPair:
            names = server_names() if callable(server_names) else server_names
            return issue(ca, "kube-apiserver", server_names=names)

        serving = _pair(directory, "apiserver", mint_serving)
        sa_key_path, sa_pub_path = directory / "sa.key", directory / "sa.pub"
        if not (sa_key_path.exists() and sa_pub_path.exists()):
            key = new_key()
            public = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            write_private(sa_key_path, key_pem(key))
            write_private(sa_pub_path, public)
        return cls(directory, ca, serving, sa_key_path.read_bytes(), sa_pub_path.read_bytes())

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.crt"

    def client(self, identity: Identity) -> KeyPair:
        """The client pair of ``identity`` (CN = user, O = groups), minted on first use."""
        return _pair(
            self.directory / "clients",
            identity.file,
            lambda: issue(self.ca, identity.user, organizations=identity.groups, client=True),
        )

    def server_ssl_context(self) -> ssl.SSLContext:
        """TLS for the API server: its serving pair; client certificates are asked for and
        verified against the CA when sent, but optional (a client may send a token)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.directory / "apiserver.crt", self.directory / "apiserver.key")
        context.load_verify_locations(cafile=str(self.ca_file))
        context.verify_mode = ssl.CERT_OPTIONAL
        return context


def _pair(directory: Path, name: str, mint: Callable[[], KeyPair]) -> KeyPair:
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    if cert_path.exists() and key_path.exists():
        return load_pair(cert_path.read_bytes(), key_path.read_bytes())
    pair: KeyPair = mint()
    write_private(key_path, pair.key_pem)
    write_private(cert_path, pair.cert_pem)
    return pair
