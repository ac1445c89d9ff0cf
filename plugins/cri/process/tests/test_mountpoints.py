"""Mount points made on the host, and removed only when nothing uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from microkube_cri_process.mountpoints import (
    check_mounts,
    ensure_mount_point,
    remove_made_paths,
    write_resolv_conf,
)

from microkube.contracts.runtime import (
    ContainerConfig,
    DNSConfig,
    Mount,
    PodSandboxConfig,
    RuntimeError_,
)


def test_directories_and_files_are_made_and_reported(tmp_path: Path) -> None:
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    source_file = tmp_path / "token"
    source_file.write_text("t")
    made = ensure_mount_point(str(source_dir), str(tmp_path / "a" / "b"))
    assert made == [str(tmp_path / "a"), str(tmp_path / "a" / "b")]
    assert (tmp_path / "a" / "b").is_dir()
    made_file = ensure_mount_point(str(source_file), str(tmp_path / "a" / "c" / "token"))
    assert made_file == [str(tmp_path / "a" / "c"), str(tmp_path / "a" / "c" / "token")]
    assert (tmp_path / "a" / "c" / "token").is_file()
    assert ensure_mount_point(str(source_dir), str(tmp_path / "a" / "b")) == []


def test_removal_spares_what_is_used_or_not_empty(tmp_path: Path) -> None:
    made = ensure_mount_point(str(tmp_path), str(tmp_path / "x" / "y" / "z"))
    kept = remove_made_paths(made, in_use={str(tmp_path / "x" / "y" / "other")})
    assert kept == [str(tmp_path / "x"), str(tmp_path / "x" / "y")]
    assert not (tmp_path / "x" / "y" / "z").exists()
    (tmp_path / "x" / "y" / "data").write_text("someone's")
    assert remove_made_paths(kept, in_use=set()) == []
    assert (tmp_path / "x" / "y" / "data").read_text() == "someone's", "nothing is lost"


def test_bad_mounts_are_refused() -> None:
    relative = ContainerConfig(
        name="c", image="i", mounts=(Mount(container_path="data", host_path="/"),)
    )
    with pytest.raises(RuntimeError_, match="must be absolute"):
        check_mounts(relative)
    missing = ContainerConfig(
        name="c", image="i", mounts=(Mount(container_path="/d", host_path="/no/such"),)
    )
    with pytest.raises(RuntimeError_, match="does not exist"):
        check_mounts(missing)


def test_resolv_conf(tmp_path: Path) -> None:
    dns = DNSConfig(servers=("10.96.0.10",), searches=("a.svc", "svc"), options=("ndots:5",))
    write_resolv_conf(str(tmp_path), PodSandboxConfig(name="p", namespace="n", uid="u", dns=dns))
    assert (tmp_path / "resolv.conf").read_text() == (
        "nameserver 10.96.0.10\nsearch a.svc svc\noptions ndots:5\n"
    )
