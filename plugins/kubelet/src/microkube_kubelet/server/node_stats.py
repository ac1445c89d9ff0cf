"""The node's own CPU, memory and root filesystem usage, read from ``/proc`` and statvfs
(what cAdvisor reports for the root cgroup on a real kubelet)."""

from __future__ import annotations

import os

import attrs

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@attrs.frozen(kw_only=True)
class NodeSample:
    cpu_usage_core_nanoseconds: int
    memory_usage_bytes: int
    memory_working_set_bytes: int
    memory_available_bytes: int
    memory_rss_bytes: int
    boot_time_seconds: int


@attrs.frozen(kw_only=True)
class FsSample:
    capacity_bytes: int
    available_bytes: int
    used_bytes: int
    inodes: int
    inodes_free: int


def read_node_sample(proc: str = "/proc") -> NodeSample:
    """CPU time of every core (user+nice+system+irq+softirq+steal) and memory as cAdvisor
    counts it: usage = total - free, working set = usage - inactive file pages."""
    cpu_ticks, boot = 0, 0
    with open(os.path.join(proc, "stat")) as stat:
        for line in stat:
            fields = line.split()
            if fields and fields[0] == "cpu":
                values = [int(v) for v in fields[1:]]
                # user nice system idle iowait irq softirq steal ...
                busy = [0, 1, 2, 5, 6, 7]
                cpu_ticks = sum(values[i] for i in busy if i < len(values))
            elif fields and fields[0] == "btime":
                boot = int(fields[1])
    meminfo: dict[str, int] = {}
    with open(os.path.join(proc, "meminfo")) as mem:
        for line in mem:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts:
                meminfo[name] = int(parts[0]) * (1024 if len(parts) > 1 else 1)
    total = meminfo.get("MemTotal", 0)
    usage = total - meminfo.get("MemFree", 0)
    working_set = max(0, usage - meminfo.get("Inactive(file)", 0))
    rss = meminfo.get("AnonPages", 0)
    return NodeSample(
        cpu_usage_core_nanoseconds=cpu_ticks * 1_000_000_000 // _CLOCK_TICKS,
        memory_usage_bytes=usage,
        memory_working_set_bytes=working_set,
        memory_available_bytes=meminfo.get("MemAvailable", total - usage),
        memory_rss_bytes=rss,
        boot_time_seconds=boot,
    )


def read_fs_sample(path: str) -> FsSample:
    st = os.statvfs(path)
    return FsSample(
        capacity_bytes=st.f_blocks * st.f_frsize,
        available_bytes=st.f_bavail * st.f_frsize,
        used_bytes=(st.f_blocks - st.f_bfree) * st.f_frsize,
        inodes=st.f_files,
        inodes_free=st.f_ffree,
    )
