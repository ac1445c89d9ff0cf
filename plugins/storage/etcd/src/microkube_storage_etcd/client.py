"""A thin etcd v3 client over ``grpc.aio``: channels to several members, failover, TLS.

Only transport lives here: which member to talk to, how to call a method, when a failed call
may be tried on another member, and what etcd's error strings mean. The storage semantics
(transactions, watches) are in :mod:`.backend` and :mod:`.watch`.

Failover, as etcd's own clientv3 does it: calls go to one member; when it cannot be reached
the client moves to the next endpoint. Reads are retried on the next member on any
"unavailable" failure. A write is retried only when it certainly did not reach a leader (the
connection could not be made, or etcd said it has no leader); otherwise the outcome is
unknown and the caller gets a :class:`StorageError` saying so — never a silent double write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import grpc
import grpc.aio

from microkube.contracts.storage import StorageError
from microkube_storage_etcd import messages as pb
from microkube_storage_etcd.options import EtcdOptions

log = logging.getLogger(__name__)

#: Unary methods: path -> (request class, response class).
UNARY = {
    "range": ("/etcdserverpb.KV/Range", pb.RangeResponse),
    "txn": ("/etcdserverpb.KV/Txn", pb.TxnResponse),
    "compact": ("/etcdserverpb.KV/Compact", pb.CompactionResponse),
    "lease_grant": ("/etcdserverpb.Lease/LeaseGrant", pb.LeaseGrantResponse),
    "lease_revoke": ("/etcdserverpb.Lease/LeaseRevoke", pb.LeaseRevokeResponse),
    "status": ("/etcdserverpb.Maintenance/Status", pb.StatusResponse),
}
WATCH = "/etcdserverpb.Watch/Watch"
SNAPSHOT = "/etcdserverpb.Maintenance/Snapshot"

#: etcd's error strings (server/etcdserver/api/v3rpc/rpctypes) this client turns into meaning.
COMPACTED = "required revision has been compacted"
FUTURE_REV = "required revision is a future revision"
LEASE_NOT_FOUND = "requested lease not found"
#: Failures after which a write is known not to have been applied.
NOT_SENT = ("failed to connect", "connection refused", "no leader", "not capable", "DNS")
#: Codes worth another member.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


class EtcdRpcError(StorageError):
    """An etcd call failed; ``code`` and ``details`` are gRPC's."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"etcd {method}: {details or code.name}")
        self.code = code
        self.details = details or ""


def _target(endpoint: str) -> tuple[str, bool]:
    """``http(s)://host:port`` (or bare ``host:port``) -> (gRPC target, secure)."""
    parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port:
        raise StorageError(f"bad etcd endpoint {endpoint!r}: expected http(s)://host:port")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{parts.port}", parts.scheme == "https"


class EtcdClient:
    """Calls to an etcd cluster given by its client endpoints."""

    def __init__(self, options: EtcdOptions) -> None:
        self.options = options
        self.endpoints: list[str] = list(options.endpoints)
        if not self.endpoints:
            raise StorageError("no etcd endpoints configured")
        self._targets = [_target(e) for e in self.endpoints]
        self._channels: dict[int, grpc.aio.Channel] = {}
        self._current = 0
        self._credentials = self._make_credentials()
        self._closed = False

    # -- channels -----------------------------------------------------------------------

    def _make_credentials(self) -> grpc.ChannelCredentials | None:
        opts = self.options
        if not any(secure for _, secure in self._targets):
            return None
        root = _read(opts.ca_file) if opts.ca_file else None
        key = _read(opts.key_file) if opts.key_file else None
        cert = _read(opts.cert_file) if opts.cert_file else None
        return grpc.ssl_channel_credentials(
            root_certificates=root, private_key=key, certificate_chain=cert
        )

    def channel(self, index: int | None = None) -> grpc.aio.Channel:
        if self._closed:
            raise StorageError("etcd client is closed")
        index = self._current if index is None else index
        channel = self._channels.get(index)
        if channel is None:
            target, secure = self._targets[index]
            options = [
                ("grpc.max_receive_message_length", self.options.max_receive_bytes),
                ("grpc.max_send_message_length", -1),
                ("grpc.keepalive_time_ms", 10_000),
                ("grpc.keepalive_timeout_ms", 5_000),
                ("grpc.keepalive_permit_without_calls", 1),
                # Fail fast on a dead member instead of backing off for up to two minutes.
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 1_000),
            ]
            if secure:
                assert self._credentials is not None
                channel = grpc.aio.secure_channel(target, self._credentials, options=options)
            else:
                channel = grpc.aio.insecure_channel(target, options=options)
            self._channels[index] = channel
        return channel

    def failover(self, failed: int) -> int:
        """Move on from the member at ``failed`` (if still current); return the new index."""
        if self._current == failed and len(self.endpoints) > 1:
            self._current = (failed + 1) % len(self.endpoints)
            log.warning(
                "etcd %s unreachable, switching to %s",
                self.endpoints[failed],
                self.endpoints[self._current],
            )
        return self._current

    @property
    def current(self) -> int:
        return self._current

    async def close(self) -> None:
        self._closed = True
        channels, self._channels = list(self._channels.values()), {}
        await asyncio.gather(*(c.close() for c in channels), return_exceptions=True)

    # -- calls --------------------------------------------------------------------------

    async def call(self, method: str, request: Any, *, write: bool = False) -> Any:
        """Call a unary method, moving to other members while they cannot be reached."""
        path, response_cls = UNARY[method]
        attempts = max(2, 2 * len(self.endpoints))
        delay = 0.05
        last: EtcdRpcError | None = None
        for attempt in range(attempts):
            index = self._current
            stub = self.channel(index).unary_unary(
                path,
                request_serializer=_serialize,
                response_deserializer=response_cls.FromString,
            )
            try:
                return await stub(request, timeout=self.options.request_timeout)
            except grpc.aio.AioRpcError as exc:
                last = EtcdRpcError(method, exc.code(), exc.details() or "")
                if write and last.code in RETRYABLE and not _not_sent(last):
                    raise StorageError(f"etcd write outcome unknown: {last.details}") from last
                if not self._retryable(last, write):
                    raise last from None
            except asyncio.CancelledError:
                raise
            self.failover(index)
            if attempt + 1 >= len(self.endpoints):
                await asyncio.sleep(delay)  # every member tried: give elections time
                delay = min(delay * 2, 1.0)
        assert last is not None
        if write and not _not_sent(last):
            raise StorageError(f"etcd write outcome unknown: {last.details}") from last
        raise last

    def _retryable(self, error: EtcdRpcError, write: bool) -> bool:
        if self._closed or error.code not in RETRYABLE:
            return False
        return not write or _not_sent(error)

    def watch_stream(self, index: int) -> grpc.aio.StreamStreamCall:
        method = self.channel(index).stream_stream(
            WATCH, request_serializer=_serialize, response_deserializer=pb.WatchResponse.FromString
        )
        return method()

    def snapshot_stream(self) -> grpc.aio.UnaryStreamCall:
        method = self.channel().unary_stream(
            SNAPSHOT,
            request_serializer=_serialize,
            response_deserializer=pb.SnapshotResponse.FromString,
        )
        return method(pb.SnapshotRequest())


def _serialize(message: Any) -> bytes:
    return message.SerializeToString()


def _not_sent(error: EtcdRpcError) -> bool:
    details = error.details.lower()
    return any(marker.lower() in details for marker in NOT_SENT)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None


def endpoints_list(value: str | Sequence[str]) -> list[str]:
    """A comma-separated string or a list of endpoints, as a list."""
    if isinstance(value, str):
        return [e.strip() for e in value.split(",") if e.strip()]
    return [str(e).strip() for e in value if str(e).strip()]
