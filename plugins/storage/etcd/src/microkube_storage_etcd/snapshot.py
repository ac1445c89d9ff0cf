"""Backup and restore of an etcd cluster: a snapshot of one member's database.

``save_snapshot`` streams etcd's Maintenance ``Snapshot`` RPC (what ``etcdctl snapshot save``
calls) into a file while the cluster keeps serving; the stream ends with the database's
SHA-256, which ``etcdctl snapshot restore`` checks. Restoring builds a *new* member data
directory from the file (``etcdctl snapshot restore``; etcd must not be running on it): the
keys, their revisions and the revision counter are as they were at the snapshot, leases
included. A multi-member cluster is restored by running the restore once per member with
the same ``initial_cluster`` (etcd's disaster-recovery procedure).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import grpc.aio

from microkube.contracts.storage import StorageError

if TYPE_CHECKING:
    from microkube_storage_etcd.backend import EtcdStorage

ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


async def save_snapshot(storage: EtcdStorage, destination: Path) -> int:
    """Write a snapshot to ``destination`` (atomically: a temporary file renamed at the end);
    return a revision the snapshot holds at least."""
    revision = await storage.current_revision()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    call = storage.client.snapshot_stream()
    out = await asyncio.to_thread(open, partial, "wb")
    try:
        async for chunk in call:
            await asyncio.to_thread(out.write, chunk.blob)
        await asyncio.to_thread(_sync_close, out)
    except grpc.aio.AioRpcError as exc:
        out.close()
        partial.unlink(missing_ok=True)
        raise StorageError(f"etcd snapshot failed: {exc.details()}") from None
    except BaseException:
        out.close()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return revision


async def restore_snapshot(
    source: Path,
    target: Path,
    *,
    name: str = "default",
    initial_cluster: str | None = None,
    peer_url: str = "http://localhost:2380",
) -> None:
    """Build etcd data directory ``target`` for member ``name`` from snapshot ``source``."""
    await asyncio.to_thread(_check_restore_paths, source, target)
    command = [
        ETCDCTL,
        "snapshot",
        "restore",
        str(source),
        f"--data-dir={target}",
        f"--name={name}",
        f"--initial-cluster={initial_cluster or f'{name}={peer_url}'}",
        f"--initial-advertise-peer-urls={peer_url}",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, "ETCDCTL_API": "3"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        message = (err or out).decode(errors="replace").strip().splitlines()
        raise StorageError(f"etcdctl snapshot restore failed: {message[-1] if message else ''}")


def _sync_close(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())
    out.close()


def _check_restore_paths(source: Path, target: Path) -> None:
    if not source.is_file():
        raise StorageError(f"no snapshot file at {source}")
    if target.exists() and any(target.iterdir()):
        raise StorageError(f"{target} is not empty: restore needs a fresh data directory")
    if target.exists():
        target.rmdir()
