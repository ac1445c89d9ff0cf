"""Facts about the machine a kubelet runs on: capacity, identity, and eviction signals.

Read from ``/proc``, ``/etc`` and ``statvfs`` as the upstream kubelet's cadvisor does. Hollow
nodes use :func:`hollow_host` instead, so one process can pretend to be many machines.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import socket
from pathlib import Path

import attrs

__all__ = ["HostInfo", "Pressure", "hollow_host", "pressure", "read_host"]

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le"}
#: Upstream's default hard eviction thresholds (Linux).
MEMORY_AVAILABLE_MIN = 100 * 1024 * 1024
NODEFS_AVAILABLE_MIN_FRACTION = 0.10


@attrs.frozen(kw_only=True)
class HostInfo:
    hostname: str
    cpus: int
    memory_bytes: int
    ephemeral_storage_bytes: int
    machine_id: str
    system_uuid: str
    boot_id: str
    kernel_version: str
    os_image: str
    architecture: str
    operating_system: str = "linux"
    #: Hollow nodes report no pressure: there is no machine behind them.
    real: bool = True


@attrs.frozen
class Pressure:
    memory: bool
    disk: bool
    pid: bool


def _read(path: str, default: str = "") -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return default


def _meminfo(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def _os_image() -> str:
    match = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', _read("/etc/os-release"), re.MULTILINE)
    return match.group(1) if match else platform.system()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def read_host(root_dir: str | os.PathLike[str]) -> HostInfo:
    """This machine; ephemeral storage is the size of ``root_dir``'s filesystem."""
    stat = os.statvfs(root_dir)
    machine_id = _read("/etc/machine-id") or _read("/var/lib/dbus/machine-id")
    return HostInfo(
        hostname=socket.gethostname().lower(),
        cpus=_cpus(),
        memory_bytes=_meminfo("MemTotal"),
        ephemeral_storage_bytes=stat.f_blocks * stat.f_frsize,
        machine_id=machine_id,
        system_uuid=_read("/sys/class/dmi/id/product_uuid") or machine_id,
        boot_id=_read("/proc/sys/kernel/random/boot_id"),
        kernel_version=platform.release(),
        os_image=_os_image(),
        architecture=_ARCH.get(platform.machine(), platform.machine()),
    )


def hollow_host(
    name: str,
    *,
    cpus: int = 4,
    memory_bytes: int = 16 * 1024**3,
    storage_bytes: int = 100 * 1024**3,
) -> HostInfo:
    """A pretend machine for a hollow node (kubemark's idea): fixed capacity, stable ids."""
    ident = hashlib.sha256(f"hollow-node/{name}".encode()).hexdigest()[:32]
    return HostInfo(
        hostname=name,
        cpus=cpus,
        memory_bytes=memory_bytes,
        ephemeral_storage_bytes=storage_bytes,
        machine_id=ident,
        system_uuid=ident,
        boot_id=ident,
        kernel_version=platform.release(),
        os_image="microkube hollow node",
        architecture=_ARCH.get(platform.machine(), platform.machine()),
        real=False,
    )


def pressure(host: HostInfo, root_dir: str | os.PathLike[str]) -> Pressure:
    """Eviction signals against upstream's default hard thresholds: memory.available <
    100Mi, nodefs.available < 10% (PID pressure has no default threshold upstream)."""
    if not host.real:
        return Pressure(memory=False, disk=False, pid=False)
    available = _meminfo("MemAvailable")
    memory = bool(available) and available < MEMORY_AVAILABLE_MIN
    try:
        stat = os.statvfs(root_dir)
        disk = stat.f_blocks > 0 and stat.f_bavail / stat.f_blocks < NODEFS_AVAILABLE_MIN_FRACTION
    except OSError:
        disk = False
    return Pressure(memory=memory, disk=disk, pid=False)
