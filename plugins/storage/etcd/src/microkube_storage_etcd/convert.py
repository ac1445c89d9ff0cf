"""etcd's messages <-> the storage contract's values, and key-range arithmetic."""

from __future__ import annotations

from typing import Any

from microkube.contracts.storage import EventType, KeyValue, WatchEvent
from microkube_storage_etcd import messages as pb


def prefix_end(prefix: bytes) -> bytes:
    """The first key after every key starting with ``prefix`` (etcd's ``GetPrefixRangeEnd``);
    ``b"\\0"`` (= to the end of the keyspace) for the empty prefix or one of only 0xff."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


class Keys:
    """Maps contract keys to etcd keys under an optional cluster prefix, and back."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix.encode()
        self._strip = len(self.prefix)

    def key(self, key: str) -> bytes:
        return self.prefix + key.encode()

    def range(self, prefix: str) -> tuple[bytes, bytes]:
        start = self.key(prefix)
        return start or b"\0", prefix_end(start)

    def name(self, raw: bytes) -> str:
        return raw[self._strip :].decode()

    def kv(self, kv: Any) -> KeyValue:
        return KeyValue(
            key=self.name(kv.key),
            value=kv.value,
            create_revision=kv.create_revision,
            mod_revision=kv.mod_revision,
            version=kv.version,
            lease=kv.lease,
        )

    def event(self, event: Any) -> WatchEvent:
        prev = self.kv(event.prev_kv) if event.HasField("prev_kv") else None
        if event.type == pb.DELETE:
            tombstone = KeyValue(
                key=self.name(event.kv.key),
                value=b"",
                create_revision=prev.create_revision if prev else 0,
                mod_revision=event.kv.mod_revision,
                version=0,
            )
            return WatchEvent(type=EventType.DELETE, kv=tombstone, prev_kv=prev)
        return WatchEvent(type=EventType.PUT, kv=self.kv(event.kv), prev_kv=prev)
