"""Where a container's volumes are mounted on the host's filesystem.

The process runtime has no root filesystem of its own: a bind mount's target is a path of
the host's, made when missing (as runc makes it inside a rootfs). What was made is recorded
and removed with the last container mounting there, if still empty. The pod's DNS config
becomes a resolv.conf bind-mounted over /etc/resolv.conf, as containerd does.
"""

from __future__ import annotations

import os

from microkube.contracts.runtime import ContainerConfig, PodSandboxConfig, RuntimeError_
from microkube_cri_process.state import ContainerRecord

RESOLV_CONF = "/etc/resolv.conf"


def write_resolv_conf(directory: str, config: PodSandboxConfig) -> None:
    """The pod's resolv.conf from its DNS config (the kubelet's ClusterFirst, say), bind-
    mounted over /etc/resolv.conf in its containers, as containerd does."""
    lines = [f"nameserver {server}" for server in config.dns.servers]
    if config.dns.searches:
        lines.append("search " + " ".join(config.dns.searches))
    if config.dns.options:
        lines.append("options " + " ".join(config.dns.options))
    with open(os.path.join(directory, "resolv.conf"), "w") as f:
        f.write("\n".join(lines) + "\n")


def check_mounts(config: ContainerConfig) -> None:
    for mount in config.mounts:
        if not os.path.isabs(mount.container_path):
            raise RuntimeError_(f"mount path {mount.container_path!r} must be absolute")
        if not os.path.exists(mount.host_path):
            raise RuntimeError_(f"mount source {mount.host_path!r} does not exist")


def paths_of(record: ContainerRecord) -> list[str]:
    """Where a container mounts (or works) on the host's filesystem."""
    return [m.container_path for m in record.config.mounts] + [record.working_dir]


def missing_ancestry(path: str) -> list[str]:
    """``path`` and its ancestors that do not exist, outermost first."""
    missing = []
    while path and path != "/" and not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    return missing[::-1]


def ensure_mount_point(source: str, target: str) -> list[str]:
    """Bind mounts need an existing target of the source's kind: a directory for a
    directory, a file for a file. It is made on the host's filesystem (see README); the
    paths made are returned, outermost first, to be removed with the container."""
    created = missing_ancestry(target)
    if not created:
        return []
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a"):
            pass
    return created


def _under(path: str, used: str) -> bool:
    return used == path or used.startswith(path.rstrip("/") + "/")


def uses(record: ContainerRecord, path: str) -> bool:
    return any(_under(path, used) for used in paths_of(record))


def remove_made_paths(paths: list[str], in_use: set[str]) -> list[str]:
    """Remove the mount points a container made on the host, innermost first, unless another
    container mounts at or under one of them (those are returned, outermost first) or it is
    no longer empty."""
    kept: list[str] = []
    for path in reversed(paths):
        if any(_under(path, used) for used in in_use):
            kept.insert(0, path)
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            elif os.path.getsize(path) == 0:
                os.unlink(path)
        except OSError:
            continue
    return kept
