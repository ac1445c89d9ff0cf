"""The CRI log lines of emulated output."""

from __future__ import annotations

import re
from pathlib import Path

from microkube_cri_hollow.logs import write_cri_log


def test_one_full_record_per_line(tmp_path: Path) -> None:
    path = tmp_path / "c" / "0.log"
    write_cri_log(str(path), b"a\nb\n")
    lines = path.read_bytes().splitlines()
    assert [line.split(b" ", 1)[1] for line in lines] == [b"stdout F a", b"stdout F b"]
    assert all(re.match(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ", line) for line in lines)
