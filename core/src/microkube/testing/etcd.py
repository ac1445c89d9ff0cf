"""Real etcd servers for tests: a 1-member or N-member cluster on loopback ports, by PID.

Uses the ``etcd`` binary on ``PATH`` (Debian's ``etcd-server``); nothing but subprocesses.
Each member gets its own data directory under ``base_dir``, two free loopback ports (client,
peer) and a log file; :meth:`EtcdCluster.stop` terminates every member it started (SIGTERM,
then SIGKILL) and waits for it, so nothing outlives the test::

    with EtcdCluster(tmp_path, members=3) as etcd:
        endpoints = etcd.endpoints          # ["http://127.0.0.1:40123", ...]
        etcd.kill(1)                        # SIGKILL one member (an outage) ...
        etcd.restart(1)                     # ... and bring it back on the same ports/data

``tls=EtcdTLS(...)`` serves clients over HTTPS with client-certificate authentication (the
files are the test's own, e.g. from ``trustme``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import attrs

__all__ = ["ETCD", "ETCDCTL", "EtcdCluster", "EtcdMember", "EtcdTLS", "free_port"]

ETCD = shutil.which("etcd") or "/usr/bin/etcd"
ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@attrs.frozen(kw_only=True)
class EtcdTLS:
    """Client-side TLS of the servers: their certificate and key, and the CA that client
    certificates must be signed by (``--client-cert-auth``)."""

    cert_file: Path
    key_file: Path
    ca_file: Path


@attrs.define
class EtcdMember:
    name: str
    data_dir: Path
    client_port: int
    peer_port: int
    log_file: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class EtcdCluster:
    """``members`` etcd processes forming one cluster (use as a context manager)."""

    def __init__(
        self,
        base_dir: str | os.PathLike[str],
        *,
        members: int = 1,
        tls: EtcdTLS | None = None,
        extra_args: Sequence[str] = (),
        start_timeout: float = 20.0,
    ) -> None:
        if members < 1:
            raise ValueError("an etcd cluster needs at least one member")
        self.base_dir = Path(base_dir)
        self.tls = tls
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.token = f"microkube-{os.getpid()}-{time.monotonic_ns()}"
        self.members = [
            EtcdMember(
                name=f"m{i}",
                data_dir=self.base_dir / f"m{i}.etcd",
                client_port=free_port(),
                peer_port=free_port(),
                log_file=self.base_dir / f"m{i}.log",
            )
            for i in range(members)
        ]

    # -- addresses ----------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def endpoint(self, index: int) -> str:
        return f"{self.scheme}://127.0.0.1:{self.members[index].client_port}"

    @property
    def endpoints(self) -> list[str]:
        return [self.endpoint(i) for i in range(len(self.members))]

    @property
    def initial_cluster(self) -> str:
        return ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> EtcdCluster:
        """Start every member and wait until each answers ``/health``."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        try:
            for index in range(len(self.members)):
                self._spawn(index, state="new")
            for index in range(len(self.members)):
                self.wait_healthy(index)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = 1.0) -> None:
        """Stop every running member and reap it: SIGTERM, and SIGKILL after ``grace`` seconds
        (a leader stopping together with its followers waits for a leadership transfer that
        cannot happen; its data is already on disk)."""
        for member in self.members:
            if member.process is not None and member.process.poll() is None:
                member.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for member in self.members:
            if member.process is not None:
                try:
                    member.process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    member.process.kill()
                    member.process.wait()

    def kill(self, index: int) -> None:
        """SIGKILL one member (its data directory stays)."""
        process = self.members[index].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self, index: int) -> None:
        """Start a stopped member again on its ports and data directory."""
        if self.members[index].running:
            raise RuntimeError(f"etcd member {index} is running")
        self._spawn(index, state="existing")
        self.wait_healthy(index)

    def __enter__(self) -> EtcdCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers ------------------------------------------------------------------------

    def etcdctl(
        self, *args: str, endpoints: Sequence[str] | None = None, timeout: float = 60
    ) -> str:
        """Run ``etcdctl`` (API v3) against the cluster; return its stdout."""
        command = [ETCDCTL, f"--endpoints={','.join(endpoints or self.endpoints)}"]
        if self.tls:
            command += [
                f"--cacert={self.tls.ca_file}",
                f"--cert={self.tls.cert_file}",
                f"--key={self.tls.key_file}",
            ]
        result = subprocess.run(
            [*command, *args],
            env={**os.environ, "ETCDCTL_API": "3"},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"etcdctl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def wait_healthy(self, index: int) -> None:
        member = self.members[index]
        deadline = time.monotonic() + self.start_timeout
        context = self._ssl_context()
        while True:
            if member.process is not None and member.process.poll() is not None:
                raise RuntimeError(
                    f"etcd {member.name} exited with {member.process.returncode}: "
                    f"{_tail(member.log_file)}"
                )
            try:
                with urllib.request.urlopen(
                    f"{self.endpoint(index)}/health", timeout=1, context=context
                ) as response:
                    if json.loads(response.read()).get("health") == "true":
                        return
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"etcd {member.name} not healthy: {_tail(member.log_file)}")
            time.sleep(0.05)

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=str(self.tls.ca_file))
        context.load_cert_chain(str(self.tls.cert_file), str(self.tls.key_file))
        return context

    def _spawn(self, index: int, *, state: str) -> None:
        member = self.members[index]
        client = self.endpoint(index)
        command = [
            ETCD,
            f"--name={member.name}",
            f"--data-dir={member.data_dir}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={member.peer_url}",
            f"--initial-advertise-peer-urls={member.peer_url}",
            f"--initial-cluster={self.initial_cluster}",
            f"--initial-cluster-state={state}",
            f"--initial-cluster-token={self.token}",
            "--logger=zap",
            f"--log-outputs={member.log_file}",
        ]
        if self.tls:
            command += [
                f"--cert-file={self.tls.cert_file}",
                f"--key-file={self.tls.key_file}",
                f"--trusted-ca-file={self.tls.ca_file}",
                "--client-cert-auth",
            ]
        member.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # Errors before etcd's logger is set up (bad flags) go to stderr: into the log too.
        with open(member.log_file, "ab") as early:
            member.process = subprocess.Popen(
                [*command, *self.extra_args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=early,
                start_new_session=True,
            )


def _tail(path: Path, lines: int = 5) -> str:
    """The log's error lines if it has any (a bad flag is followed by the whole usage text),
    else its last ``lines`` lines."""
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    errors = [line for line in text if "error" in line.lower() or "flag provided" in line]
    return " | ".join((errors or text)[-lines:]) or "(empty log)"
