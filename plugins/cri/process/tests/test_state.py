"""Records round-trip through JSON; an unreadable one is reported, never deleted."""

from __future__ import annotations

import os
from pathlib import Path

from microkube_cri_process.state import (
    ContainerRecord,
    SandboxRecord,
    load_all,
    process_start_time,
    save,
)

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    DNSConfig,
    Mount,
    PodSandboxConfig,
    Resources,
    SandboxState,
)


def test_records_round_trip(tmp_path: Path) -> None:
    sandbox = SandboxRecord(
        id="s1",
        config=PodSandboxConfig(
            name="p", namespace="n", uid="u", dns=DNSConfig(servers=("1.1.1.1",)), labels={"a": "b"}
        ),
        state=SandboxState.READY,
        created_at_ns=5,
        netns_path="/run/netns/x",
        owns_netns=True,
    )
    container = ContainerRecord(
        id="c1",
        sandbox_id="s1",
        config=ContainerConfig(
            name="c",
            image="busybox",
            command=("sleep", "1"),
            env=(("A", "1"),),
            mounts=(Mount(container_path="/d", host_path="/tmp", readonly=True),),
            resources=Resources(memory_limit_bytes=1 << 20),
        ),
        image_ref="sha256:x",
        log_path="/l",
        directory=str(tmp_path / "c1"),
        working_dir="/w",
        state=ContainerState.RUNNING,
        cgroup={"memory": "/sys/fs/cgroup/memory/x"},
        made_paths=["/d"],
    )
    for name, record in (("s1", sandbox), ("c1", container)):
        (tmp_path / name).mkdir()
        save(str(tmp_path / name / "record.json"), record)
    loaded = dict(load_all(str(tmp_path), "record.json", SandboxRecord))
    assert loaded[str(tmp_path / "s1" / "record.json")] == sandbox
    containers = dict(load_all(str(tmp_path), "record.json", ContainerRecord))
    assert containers[str(tmp_path / "c1" / "record.json")] == container


def test_unreadable_record_is_yielded_as_its_error(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "record.json").write_text("{")
    [(path, error)] = list(load_all(str(tmp_path), "record.json", SandboxRecord))
    assert isinstance(error, Exception) and path.endswith("bad/record.json")
    assert (tmp_path / "bad" / "record.json").read_text() == "{"


def test_process_start_time() -> None:
    assert process_start_time(os.getpid()) > 0
    assert process_start_time(2**22 + 1) == 0
