"""Finding the cgroup hierarchies, and a real container cgroup where the host allows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from microkube_cri_process.cgroups import CgroupDriver, _cgroup_mounts, _own_cgroups

from microkube.contracts.runtime import Resources

MOUNTINFO_V1 = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""


def test_mounts_and_own_cgroups_are_parsed() -> None:
    mounts = _cgroup_mounts(MOUNTINFO_V1)
    assert mounts["memory"] == ("/sys/fs/cgroup/memory", "/")
    assert mounts["cpuacct"] == ("/sys/fs/cgroup/cpuacct", "/")
    assert mounts["unified"] == ("/sys/fs/cgroup/unified", "/")
    own = _own_cgroups("4:memory:/jobs/a\n2:cpu,cpuacct:/\n0::/user.slice\n")
    assert own == {"memory": "/jobs/a", "cpu": "/", "cpuacct": "/", "": "/user.slice"}


def test_no_hierarchy_says_why(tmp_path: Path) -> None:
    (tmp_path / "mountinfo").write_text("31 23 0:28 / /sys rw - sysfs sysfs rw\n")
    (tmp_path / "cgroup").write_text("0::/\n")
    driver = CgroupDriver(
        mountinfo=str(tmp_path / "mountinfo"), own_cgroup=str(tmp_path / "cgroup")
    )
    assert driver.unavailable and "memory controller" in driver.unavailable
    assert driver.create("x", Resources(memory_limit_bytes=1 << 20)) is None


def test_a_container_cgroup_limits_counts_and_kills() -> None:
    driver = CgroupDriver(f"/microkube-test-{os.getpid()}")
    if driver.unavailable:
        pytest.skip(f"cgroups unavailable here: {driver.unavailable}")
    cgroup = driver.create("c1", Resources(memory_limit_bytes=64 << 20, cpu_limit_millis=500))
    assert cgroup is not None
    try:
        join = f"open({cgroup.procs_files()[0]!r}, 'w').write(str(__import__('os').getpid()))"
        for path in cgroup.procs_files()[1:]:
            join += f"; open({path!r}, 'w').write(str(__import__('os').getpid()))"
        child = subprocess.Popen(
            [sys.executable, "-c", f"{join}; x = b'x' * (8 << 20); import time; time.sleep(60)"]
        )
        for _ in range(300):
            if child.pid in cgroup.pids() and (cgroup.memory_working_set() or 0) > 0:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert child.pid in cgroup.pids()
        assert (cgroup.memory_working_set() or 0) > 0
        assert cgroup.oom_kills() == 0
        cgroup.kill_all()
        assert child.wait(30) == -9
    finally:
        cgroup.remove()
        for root in driver.roots.values():
            os.rmdir(root)
    assert all(not os.path.exists(p) for p in cgroup.paths.values())
