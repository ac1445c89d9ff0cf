"""``microkube images import`` and ``list`` against a real containerd, through the CLI."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from microkube.cli import main
from microkube.testing.containerd import Containerd
from microkube.testing.oci import build_oci_archive


def test_import_then_list(
    containerd: Containerd, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"example.local/cli-{uuid.uuid4().hex[:8]}:1"
    archive = build_oci_archive(tmp_path / "image.tar", name, files={"/hello": b"hi\n"})
    assert main(["images", "--address", containerd.address, "import", str(archive)]) == 0
    assert capsys.readouterr().out == f"imported {name}\n"
    assert main(["images", "--address", containerd.address, "list"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["IMAGE", "ID", "SIZE"]
    assert any(row.split()[0] == name for row in rows[1:])
    assert name in containerd.ctr("images", "ls", "-q").stdout.split()
    containerd.ctr("images", "rm", name)


def test_a_missing_archive_or_containerd_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.tar"
    socket = str(tmp_path / "no.sock")
    assert main(["images", "--address", socket, "import", str(missing)]) == 1
    assert capsys.readouterr().err == f"microkube images: {missing}: no such file\n"
    assert main(["images", "--address", socket, "list"]) == 1
    error = capsys.readouterr().err
    assert (
        error.startswith(f"microkube images: no containerd at {socket}") and error.count("\n") == 1
    )
