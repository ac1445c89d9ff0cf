"""One cgroup per container, for limits, usage and killing the whole container at once.

Both cgroup layouts are handled: v2 (one unified hierarchy, ``memory.max``, ``cpu.max``,
``memory.events``) and v1 (a hierarchy per controller: ``memory.limit_in_bytes``,
``cpu.cfs_quota_us``, ``memory.oom_control``, ``cpuacct.usage``), as runc does. Container
cgroups live under ``<the runtime's own cgroup>/microkube`` unless configured otherwise, so
they stay inside whatever the host put the runtime in. When the hierarchy is not writable the
driver says why (:attr:`CgroupDriver.unavailable`) and nothing is enforced — the runtime puts
that reason in the status message of every container that asked for limits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable, Mapping

import attrs

from microkube.contracts.runtime import Resources

#: cpu.cfs_period_us / the period of cpu.max (100 ms, as the kubelet sets it).
CPU_PERIOD_US = 100_000
_V1_CONTROLLERS = ("memory", "cpu", "cpuacct", "pids")


@attrs.frozen
class Cgroup:
    """A container's cgroup: one directory per hierarchy (``{"unified": dir}`` on v2)."""

    paths: Mapping[str, str]
    v2: bool

    def _file(self, controller: str, name: str) -> str | None:
        base = self.paths.get("unified" if self.v2 else controller)
        return os.path.join(base, name) if base else None

    def procs_files(self) -> list[str]:
        """Every ``cgroup.procs`` a process must be written to to join this cgroup."""
        return [os.path.join(p, "cgroup.procs") for p in self.paths.values()]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files():
            with contextlib.suppress(OSError):
                found.update(int(line) for line in _read(path).split())
        return found

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer killed here (``oom_kill``)."""
        name = "memory.events" if self.v2 else "memory.oom_control"
        path = self._file("memory", name)
        if path is None:
            return 0
        try:
            fields = dict(line.split() for line in _read(path).splitlines() if " " in line)
        except OSError:
            return 0
        return int(fields.get("oom_kill", 0))

    def cpu_usage_ns(self) -> int | None:
        if self.v2:
            path = self._file("cpu", "cpu.stat")
            if path is None:
                return None
            with contextlib.suppress(OSError, ValueError):
                stat = dict(line.split() for line in _read(path).splitlines())
                return int(stat["usage_usec"]) * 1000
            return None
        path = self._file("cpuacct", "cpuacct.usage")
        with contextlib.suppress(OSError, ValueError, TypeError):
            return int(_read(path))  # type: ignore[arg-type]
        return None

    def memory_working_set(self) -> int | None:
        """Usage minus inactive file cache, as cAdvisor and the kubelet compute it."""
        usage = self._file("memory", "memory.current" if self.v2 else "memory.usage_in_bytes")
        stat = self._file("memory", "memory.stat")
        if usage is None or stat is None:
            return None
        try:
            used = int(_read(usage))
            fields = dict(line.split() for line in _read(stat).splitlines())
        except (OSError, ValueError):
            return None
        inactive = int(fields.get("inactive_file" if self.v2 else "total_inactive_file", 0))
        return max(0, used - inactive)

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup until none is left (forks included)."""
        kill = self._file("unified", "cgroup.kill") if self.v2 else None
        if kill and os.path.exists(kill):
            with contextlib.suppress(OSError):
                _write(kill, "1")
        for _ in range(100):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Remove the directories (the kernel refuses while processes remain: they are killed
        first)."""
        if self.pids():
            self.kill_all()
        for path in self.paths.values():
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


class CgroupDriver:
    """Finds the host's cgroup hierarchies and makes container cgroups under a root.

    ``parent`` is the root, relative to each hierarchy (default: the runtime's own cgroup +
    ``/microkube``). :attr:`unavailable` is None when limits can be enforced, else the reason.
    """

    def __init__(
        self,
        parent: str | None = None,
        *,
        mountinfo: str = "/proc/self/mountinfo",
        own_cgroup: str = "/proc/self/cgroup",
    ) -> None:
        self.v2 = False
        self.roots: dict[str, str] = {}
        self.unavailable: str | None = None
        try:
            self._discover(parent, mountinfo, own_cgroup)
        except OSError as exc:
            self.roots = {}
            self.unavailable = f"cgroups not usable here: {exc}"

    def _discover(self, parent: str | None, mountinfo: str, own_cgroup: str) -> None:
        mounts = _cgroup_mounts(_read(mountinfo))
        own = _own_cgroups(_read(own_cgroup))
        unified = mounts.get("unified")
        if unified and "memory" in _read(os.path.join(unified[0], "cgroup.controllers")).split():
            self.v2 = True
            wanted: Iterable[str] = ("unified",)
        elif "memory" in mounts:
            wanted = [c for c in _V1_CONTROLLERS if c in mounts]
        else:
            self.unavailable = "no cgroup hierarchy with the memory controller is mounted"
            return
        for controller in wanted:
            mount_point, mount_root = mounts[controller]
            key = "" if controller == "unified" else controller
            relative = parent or (own.get(key, "/").rstrip("/") + "/microkube")
            if relative.startswith(mount_root) and mount_root != "/":
                relative = relative[len(mount_root) :]
            root = os.path.join(mount_point, relative.lstrip("/"))
            try:
                os.makedirs(root, exist_ok=True)
                if self.v2:
                    _enable_v2_controllers(root)
            except OSError as exc:
                self.roots = {}
                self.unavailable = f"cgroup {root} is not writable: {exc.strerror or exc}"
                return
            self.roots[controller] = root

    def create(self, name: str, resources: Resources) -> Cgroup | None:
        """A new cgroup ``name`` under the root with ``resources`` applied (None when cgroups
        are unavailable; OSError when the kernel refuses a limit)."""
        if self.unavailable or not self.roots:
            return None
        paths = {c: os.path.join(root, name) for c, root in self.roots.items()}
        for path in paths.values():
            os.makedirs(path, exist_ok=True)
        cgroup = Cgroup(paths, self.v2)
        _apply(cgroup, resources)
        return cgroup

    def existing(self, paths: Mapping[str, str]) -> Cgroup | None:
        """The cgroup recorded as ``paths`` (from the state file), if still there."""
        if not paths or not all(os.path.isdir(p) for p in paths.values()):
            return None
        return Cgroup(dict(paths), self.v2)


def _apply(cgroup: Cgroup, resources: Resources) -> None:
    memory, cpu_limit = resources.memory_limit_bytes, resources.cpu_limit_millis
    request = resources.cpu_request_millis
    if cgroup.v2:
        base = cgroup.paths["unified"]
        if memory:
            _write(os.path.join(base, "memory.max"), str(memory))
            with contextlib.suppress(OSError):
                _write(os.path.join(base, "memory.swap.max"), "0")
        if cpu_limit:
            _write(os.path.join(base, "cpu.max"), f"{_quota(cpu_limit)} {CPU_PERIOD_US}")
        if request:
            # The kubelet's shares -> weight conversion (cgroup v2 KEP-2254).
            shares = _shares(request)
            _write(os.path.join(base, "cpu.weight"), str(1 + ((shares - 2) * 9999) // 262142))
        return
    if memory and "memory" in cgroup.paths:
        _write(os.path.join(cgroup.paths["memory"], "memory.limit_in_bytes"), str(memory))
        with contextlib.suppress(OSError):
            _write(os.path.join(cgroup.paths["memory"], "memory.memsw.limit_in_bytes"), str(memory))
    if "cpu" in cgroup.paths:
        base = cgroup.paths["cpu"]
        if cpu_limit:
            _write(os.path.join(base, "cpu.cfs_period_us"), str(CPU_PERIOD_US))
            _write(os.path.join(base, "cpu.cfs_quota_us"), str(_quota(cpu_limit)))
        if request:
            _write(os.path.join(base, "cpu.shares"), str(_shares(request)))


def _quota(millis: int) -> int:
    return max(1000, millis * CPU_PERIOD_US // 1000)


def _shares(millis: int) -> int:
    return max(2, millis * 1024 // 1000)


def _enable_v2_controllers(root: str) -> None:
    available = _read(os.path.join(root, "cgroup.controllers")).split()
    wanted = [c for c in ("memory", "cpu", "pids") if c in available]
    if wanted:
        _write(os.path.join(root, "cgroup.subtree_control"), " ".join(f"+{c}" for c in wanted))


def _cgroup_mounts(mountinfo: str) -> dict[str, tuple[str, str]]:
    """controller (``unified`` for v2) -> (mount point, root of the mount in the hierarchy)."""
    found: dict[str, tuple[str, str]] = {}
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        fstype, options = tail[0], tail[2].split(",")
        if fstype == "cgroup2":
            found.setdefault("unified", (fields[4], fields[3]))
        elif fstype == "cgroup":
            for option in options:
                if option in _V1_CONTROLLERS:
                    found.setdefault(option, (fields[4], fields[3]))
    return found


def _own_cgroups(text: str) -> dict[str, str]:
    """controller ("" for v2) -> this process's cgroup path, from ``/proc/self/cgroup``."""
    own: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(",") if parts[1] else [""]:
            own[controller] = parts[2]
    return own


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)
