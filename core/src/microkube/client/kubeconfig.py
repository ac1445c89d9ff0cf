"""Kubeconfig and in-cluster configuration: where the API server is and how to authenticate.

Kubeconfigs are read as JSON directly and as YAML through PyYAML, imported only when a file is
not JSON (``pip install 'microkube[yaml]'``). microkube writes its own kubeconfigs as JSON, which
is valid YAML for every other tool. Relative file names in a kubeconfig are relative to the
file's directory, as in client-go; with several files in ``$KUBECONFIG`` the first file that
defines a name wins.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import ssl
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
_FILE_KEYS = ("certificate-authority", "client-certificate", "client-key", "tokenFile")
_TOKEN_FILE_TTL = 60.0  # client-go re-reads a token file once a minute (bound tokens rotate)


class KubeConfigError(ValueError):
    """A kubeconfig or in-cluster setting is missing or wrong; the text says which, on one line."""


@attrs.frozen
class ClientConfig:
    """Everything needed to reach and authenticate to one API server."""

    server: str
    namespace: str = "default"
    #: PEM text of the CA bundle to trust (from ``certificate-authority`` or ``-data``)
    ca_data: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    cert_data: bytes | None = attrs.field(default=None, repr=False)
    key_data: bytes | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)
    token_file: str | None = None
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    context: str = ""

    @property
    def uses_tls(self) -> bool:
        return self.server.lower().startswith("https://")

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client SSLContext for an ``https`` server (None for ``http``)."""
        if not self.uses_tls:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            # As client-go: a configured CA replaces the system roots rather than adding to them.
            ctx.load_verify_locations(cadata=self.ca_data)
        else:
            ctx.load_default_certs()
        if self.cert_file or self.cert_data:
            _load_client_cert(ctx, self)
        return ctx


def _load_client_cert(ctx: ssl.SSLContext, config: ClientConfig) -> None:
    # ssl loads certificates only from files: -data goes to private 0600 temp files, which are
    # removed as soon as OpenSSL has read them.
    made: list[str] = []
    try:
        cert = config.cert_file or _private_temp_file(config.cert_data or b"", made)
        key = config.key_file or (
            _private_temp_file(config.key_data, made) if config.key_data else None
        )
        ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise KubeConfigError(f"cannot load the client certificate/key: {exc}") from exc
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _private_temp_file(data: bytes, made: list[str]) -> str:
    fd, path = tempfile.mkstemp(prefix="microkube-", suffix=".pem")  # mode 0600
    made.append(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


class TokenSource:
    """The bearer token of a config, re-reading ``token_file`` at most once a minute."""

    def __init__(self, config: ClientConfig, ttl: float = _TOKEN_FILE_TTL) -> None:
        self._config = config
        self._ttl = ttl
        self._cached: str | None = None
        self._read_at = float("-inf")

    def token(self) -> str | None:
        if self._config.token_file is None:
            return self._config.token
        now = time.monotonic()
        if self._cached is None or now - self._read_at >= self._ttl:
            try:
                self._cached = Path(self._config.token_file).read_text().strip()
                self._read_at = now
            except OSError as exc:
                if self._cached is None:
                    raise KubeConfigError(
                        f"cannot read token file {self._config.token_file}: {exc.strerror}"
                    ) from exc
        return self._cached

    def authorization(self) -> str | None:
        """The ``Authorization`` header value, or None when the config has no credentials."""
        token = self.token()
        if token:
            return f"Bearer {token}"
        if self._config.username is not None:
            raw = f"{self._config.username}:{self._config.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        return None


# -- loading -------------------------------------------------------------------------------


def default_kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """``$KUBECONFIG`` split on the path separator, else ``~/.kube/config``."""
    environ = os.environ if environ is None else environ
    value = environ.get("KUBECONFIG", "")
    paths = [p for p in value.split(os.pathsep) if p]
    return paths or [str(Path("~/.kube/config").expanduser())]


def read_kubeconfig(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse one kubeconfig file (JSON, or YAML when PyYAML is installed)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise KubeConfigError(f"kubeconfig {path}: cannot read: {exc.strerror}") from exc
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            import yaml  # optional: only YAML kubeconfigs need it
        except ImportError:
            raise KubeConfigError(
                f"kubeconfig {path} is YAML: pip install 'microkube[yaml]' to read it"
            ) from None
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise KubeConfigError(f"kubeconfig {path}: not valid YAML or JSON: {exc}") from exc
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise KubeConfigError(f"kubeconfig {path}: not a mapping")
    return _absolutize(doc, Path(path).resolve().parent)


def _absolutize(doc: dict[str, Any], base: Path) -> dict[str, Any]:
    """Resolve relative file names of clusters and users against the kubeconfig's directory."""
    out = dict(doc)
    for section, inner in (("clusters", "cluster"), ("users", "user")):
        entries = []
        for entry in doc.get(section) or ():
            body = dict(entry.get(inner) or {})
            for key in _FILE_KEYS:
                if body.get(key) and not os.path.isabs(body[key]):
                    body[key] = str(base / body[key])
            entries.append({**entry, inner: body})
        out[section] = entries
    return out


def merge_kubeconfigs(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge kubeconfigs as client-go does: for every named entry the first file wins."""
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": [], "current-context": ""}
    for doc in docs:
        for section in ("clusters", "users", "contexts"):
            seen = {entry.get("name") for entry in merged[section]}
            merged[section] += [e for e in doc.get(section) or () if e.get("name") not in seen]
        if not merged["current-context"]:
            merged["current-context"] = doc.get("current-context") or ""
    return merged


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None, context: str | None = None
) -> ClientConfig:
    """The :class:`ClientConfig` of ``context`` (default: current-context) of a kubeconfig.

    Without ``path``, reads ``$KUBECONFIG`` (several files merged) or ``~/.kube/config``.
    """
    if path is not None:
        return config_from_kubeconfig(read_kubeconfig(path), context, source=str(path))
    paths = default_kubeconfig_paths()
    existing = [p for p in paths if Path(p).exists()]
    if not existing:
        raise KubeConfigError(f"no kubeconfig found (looked for {', '.join(paths)})")
    doc = merge_kubeconfigs([read_kubeconfig(p) for p in existing])
    return config_from_kubeconfig(doc, context, source=os.pathsep.join(existing))


def config_from_kubeconfig(
    doc: Mapping[str, Any], context: str | None = None, *, source: str = "kubeconfig"
) -> ClientConfig:
    """The :class:`ClientConfig` of a parsed kubeconfig dict (file names must be absolute)."""
    where = f"kubeconfig {source}" if source != "kubeconfig" else source
    name = context or doc.get("current-context")
    if not name:
        raise KubeConfigError(f"{where}: no current-context is set and no context was named")
    ctx = _named(doc, "contexts", "context", name)
    if ctx is None:
        raise KubeConfigError(f'{where}: context "{name}" not found')
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    cluster = _named(doc, "clusters", "cluster", cluster_name) if cluster_name else None
    if cluster is None:
        raise KubeConfigError(f'{where}: context "{name}" names unknown cluster "{cluster_name}"')
    user: dict[str, Any] = {}
    if user_name:
        found = _named(doc, "users", "user", user_name)
        if found is None:
            raise KubeConfigError(f'{where}: context "{name}" names unknown user "{user_name}"')
        user = found
    server = cluster.get("server")
    if not server:
        raise KubeConfigError(f'{where}: cluster "{cluster_name}" has no server')
    for unsupported in ("exec", "auth-provider"):
        if user.get(unsupported):
            raise KubeConfigError(
                f'{where}: user "{user_name}" uses {unsupported} credentials, '
                "which microkube's client does not support"
            )
    what = f'{where}: cluster "{cluster_name}"'
    ca = _pem_text(cluster, "certificate-authority", what)
    who = f'{where}: user "{user_name}"'
    token_file = user.get("tokenFile") or None
    if token_file is not None and not os.access(token_file, os.R_OK):
        raise KubeConfigError(f"{who}: cannot read tokenFile {token_file}")
    return ClientConfig(
        server=server.rstrip("/"),
        namespace=ctx.get("namespace") or "default",
        ca_data=ca,
        cert_file=_readable(user.get("client-certificate"), "client-certificate", who),
        key_file=_readable(user.get("client-key"), "client-key", who),
        cert_data=_b64(user.get("client-certificate-data"), "client-certificate-data", who),
        key_data=_b64(user.get("client-key-data"), "client-key-data", who),
        token=user.get("token") or None,
        token_file=token_file,
        username=user.get("username"),
        password=user.get("password"),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify")),
        tls_server_name=cluster.get("tls-server-name") or None,
        context=name,
    )


def _named(doc: Mapping[str, Any], section: str, inner: str, name: str) -> dict[str, Any] | None:
    for entry in doc.get(section) or ():
        if entry.get("name") == name:
            return dict(entry.get(inner) or {})
    return None


def _b64(value: str | None, key: str, where: str) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KubeConfigError(f"{where}: {key} is not valid base64") from None


def _readable(path: str | None, key: str, where: str) -> str | None:
    if not path:
        return None
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise KubeConfigError(f"{where}: cannot read {key} {path}: {exc.strerror}") from None
    return path


def _pem_text(cluster: Mapping[str, Any], key: str, where: str) -> str | None:
    data = _b64(cluster.get(f"{key}-data"), f"{key}-data", where)
    if data is None and cluster.get(key):
        try:
            data = Path(cluster[key]).read_bytes()
        except OSError as exc:
            raise KubeConfigError(
                f"{where}: cannot read {key} {cluster[key]}: {exc.strerror}"
            ) from None
    return data.decode() if data is not None else None


def load_incluster_config(
    root: str | os.PathLike[str] = SERVICE_ACCOUNT_DIR, environ: Mapping[str, str] | None = None
) -> ClientConfig:
    """The config of a pod: service-account token and CA, ``KUBERNETES_SERVICE_HOST``/``PORT``."""
    environ = os.environ if environ is None else environ
    host = environ.get("KUBERNETES_SERVICE_HOST")
    port = environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise KubeConfigError(
            "not running in a cluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set"
        )
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    base = Path(root)
    token_file = base / "token"
    if not os.access(token_file, os.R_OK):
        raise KubeConfigError(f"in-cluster config: cannot read service-account token {token_file}")
    ca = _pem_text(
        {"certificate-authority": str(base / "ca.crt")},
        "certificate-authority",
        "in-cluster config",
    )
    try:
        namespace = (base / "namespace").read_text().strip() or "default"
    except OSError:
        namespace = "default"
    return ClientConfig(
        server=f"https://{host}:{port}",
        namespace=namespace,
        ca_data=ca,
        token_file=str(token_file),
        context="in-cluster",
    )


def load_config(
    path: str | os.PathLike[str] | None = None, context: str | None = None
) -> ClientConfig:
    """A kubeconfig if one is named or found, else the in-cluster config."""
    if path is not None or context is not None:
        return load_kubeconfig(path, context)
    if any(Path(p).exists() for p in default_kubeconfig_paths()):
        return load_kubeconfig()
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return load_incluster_config()
    raise KubeConfigError(
        f"no kubeconfig found ({', '.join(default_kubeconfig_paths())}) and not in a cluster"
    )


# -- writing -------------------------------------------------------------------------------


def _b64_text(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


def make_kubeconfig(
    server: str,
    *,
    name: str = "microkube",
    namespace: str | None = None,
    token: str | None = None,
    ca_data: str | bytes | None = None,
    client_cert_data: str | bytes | None = None,
    client_key_data: str | bytes | None = None,
    insecure_skip_tls_verify: bool = False,
) -> dict[str, Any]:
    """A one-context kubeconfig dict (PEM arguments are given raw; they are base64-encoded)."""
    cluster: dict[str, Any] = {"server": server}
    if ca_data is not None:
        cluster["certificate-authority-data"] = _b64_text(ca_data)
    if insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    user: dict[str, Any] = {}
    if token is not None:
        user["token"] = token
    if client_cert_data is not None:
        user["client-certificate-data"] = _b64_text(client_cert_data)
    if client_key_data is not None:
        user["client-key-data"] = _b64_text(client_key_data)
    context: dict[str, Any] = {"cluster": name, "user": name}
    if namespace:
        context["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": context}],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(path: str | os.PathLike[str], doc: Mapping[str, Any]) -> None:
    """Write a kubeconfig as JSON, readable by its owner only, replacing atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(doc, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
