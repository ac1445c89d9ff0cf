"""``microkube backup``, ``restore`` and ``migrate``: the cluster's state, whatever stores it.

The commands are the kernel's; what is storage-specific belongs to each storage plugin. They
build the configured backend through its factory (``storage:`` and ``options.<name>`` of the
configuration, as the API server does) and use the optional
:class:`~microkube.contracts.storage.BackupCapable` capability for backup/restore. Migration
needs nothing beyond the storage contract: every key is read from the source at one revision
and created in the (empty) target in the order of its ``mod_revision``, so the new
resourceVersions keep the old ordering; leased keys (Events) get a fresh lease per old one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microkube.config import Config, ConfigError
from microkube.contracts import FactoryContext
from microkube.contracts.command import Command
from microkube.contracts.storage import BackupCapable, KeyValue, Storage, StorageError
from microkube.plugins import SelectionError, load_plugins

STORAGE_HOOK = "microkube_storage_backends"
#: kube-apiserver's default ``--event-ttl``: leases of migrated Events.
DEFAULT_LEASE_TTL = 3600
PAGE = 500
#: Every key of a cluster starts with "/" (``/registry/...``); backends may keep their own
#: bookkeeping outside it (the etcd backend's ``compact_rev_key``).
CLUSTER_KEYS = "/"


class CommandError(Exception):
    """A problem the user can fix: printed as one line."""


def build_storage(config: Config, name: str | None = None) -> Any:
    """The backend ``name`` (default: the configured one), built but not started."""
    name = name or config.storage
    registry = load_plugins(
        ["microkube.storage"], allow=config.plugins.allow, block=config.plugins.block
    )
    factory = registry.select(STORAGE_HOOK, name, what="storage backend")
    options: Mapping[str, Any] = config.options.get(name, {})
    return factory(FactoryContext(data_dir=Path(config.data_dir), options=options))


def _capable(storage: Any, name: str) -> BackupCapable:
    if not isinstance(storage, BackupCapable):
        raise CommandError(f"storage backend {name!r} does not support backup and restore")
    return storage


# -- backup ----------------------------------------------------------------------------


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="where to write the backup")
    parser.add_argument("--storage", help="the backend to back up (default: the configured one)")


async def backup(config: Config, destination: Path, name: str | None = None) -> int:
    storage = _capable(build_storage(config, name), name or config.storage)
    return await storage.backup(destination)


def _cmd_backup(args: argparse.Namespace) -> int:
    name = args.storage or args.config.storage

    def work() -> Any:
        return backup(args.config, args.file, name)

    revision = _run("backup", work)
    if revision is None:
        return 1
    print(f"backed up {name} storage at revision {revision} to {args.file}")
    return 0


# -- restore ---------------------------------------------------------------------------


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the backup to restore")
    parser.add_argument("--storage", help="the backend to restore (default: the configured one)")
    parser.add_argument(
        "--target",
        type=Path,
        help="where to build the restored store (sqlite: default the configured file; "
        "etcd: a new member data directory, required)",
    )
    etcd = parser.add_argument_group("etcd members (see the etcd plugin's README)")
    etcd.add_argument("--member-name", help="the restored member's name (etcd --name)")
    etcd.add_argument("--initial-cluster", help="name=peer-url,... of every restored member")
    etcd.add_argument("--peer-url", help="the restored member's peer URL")


async def restore(
    config: Config,
    source: Path,
    target: Path | None = None,
    backend: str | None = None,
    **member: str,
) -> None:
    """Restore ``source`` with backend ``backend`` (default: the configured one); ``member``
    holds backend-specific keywords (etcd: ``name``, ``initial_cluster``, ``peer_url``)."""
    storage = _capable(build_storage(config, backend), backend or config.storage)
    await storage.restore(source, target, **member)


def _cmd_restore(args: argparse.Namespace) -> int:
    name = args.storage or args.config.storage
    member = {
        key: value
        for key, value in {
            "name": args.member_name,
            "initial_cluster": args.initial_cluster,
            "peer_url": args.peer_url,
        }.items()
        if value
    }

    def work() -> Any:
        return restore(args.config, args.file, args.target, name, **member)

    if _run("restore", work, ok=True) is None:
        return 1
    where = f" into {args.target}" if args.target else ""
    print(f"restored {name} storage from {args.file}{where}")
    return 0


# -- migrate ---------------------------------------------------------------------------


def _migrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, help="source backend (sqlite)")
    parser.add_argument("--to", dest="target", required=True, help="target backend (etcd)")
    parser.add_argument(
        "--lease-ttl",
        type=int,
        default=DEFAULT_LEASE_TTL,
        help=f"TTL in seconds of migrated leased keys (Events), default {DEFAULT_LEASE_TTL}",
    )


async def read_all(storage: Storage) -> tuple[list[KeyValue], int]:
    """Every cluster key of ``storage`` at one revision, paged."""
    first = await storage.range(CLUSTER_KEYS, limit=PAGE)
    items, page = list(first.items), first
    while page.more:
        page = await storage.range(
            CLUSTER_KEYS, start_after=items[-1].key, limit=PAGE, revision=first.revision
        )
        items.extend(page.items)
    return items, first.revision


async def copy_store(source: Storage, target: Storage, *, lease_ttl: int) -> int:
    """Copy every key of ``source`` into the empty ``target`` in ``mod_revision`` order;
    return how many were copied."""
    existing = await target.range(CLUSTER_KEYS, count_only=True)
    if existing.count:
        raise CommandError(f"the target already holds {existing.count} keys: it must be empty")
    items, _ = await read_all(source)
    leases: dict[int, int] = {}
    for kv in sorted(items, key=lambda kv: kv.mod_revision):
        lease = 0
        if kv.lease:
            if kv.lease not in leases:
                leases[kv.lease] = await target.grant_lease(lease_ttl)
            lease = leases[kv.lease]
        await target.create(kv.key, kv.value, lease=lease)
    return len(items)


async def migrate(config: Config, source_name: str, target_name: str, lease_ttl: int) -> int:
    if source_name == target_name:
        raise CommandError("--from and --to name the same backend")
    source = build_storage(config, source_name)
    target = build_storage(config, target_name)
    await source.start()
    try:
        await target.start()
        try:
            return await copy_store(source, target, lease_ttl=lease_ttl)
        finally:
            await target.close()
    finally:
        await source.close()


def _cmd_migrate(args: argparse.Namespace) -> int:
    if args.lease_ttl <= 0:
        print("microkube migrate: --lease-ttl must be > 0", file=sys.stderr)
        return 2

    def work() -> Any:
        return migrate(args.config, args.source, args.target, args.lease_ttl)

    copied = _run("migrate", work)
    if copied is None:
        return 1
    print(f"migrated {copied} keys from {args.source} to {args.target}")
    return 0


def _run(command: str, work: Any, *, ok: bool = False) -> Any:
    """Run ``work()`` in a loop; print a one-line error and return None on a user error."""
    try:
        result = asyncio.run(work())
    except (CommandError, SelectionError, ConfigError, StorageError, OSError) as exc:
        print(f"microkube {command}: {exc}", file=sys.stderr)
        return None
    return True if ok else result


def storage_commands() -> dict[str, Command]:
    """The commands, for the kernel's ``microkube_commands`` implementation."""
    return {
        "backup": Command(
            help="write a consistent backup of the cluster's storage to a file, while it runs",
            run=_cmd_backup,
            add_arguments=_backup_arguments,
        ),
        "restore": Command(
            help="build a fresh store from a backup (the cluster must not run on it)",
            run=_cmd_restore,
            add_arguments=_restore_arguments,
        ),
        "migrate": Command(
            help="copy a stopped cluster's state from one storage backend to another",
            run=_cmd_migrate,
            add_arguments=_migrate_arguments,
        ),
    }
