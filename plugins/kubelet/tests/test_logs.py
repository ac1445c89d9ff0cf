"""Container log paths and rotation."""

from __future__ import annotations

from microkube_kubelet.logs import (
    container_log_path,
    log_tail_message,
    rotate_if_needed,
    rotated_files,
)


def test_log_path_is_container_and_attempt():
    assert container_log_path("web", 3) == "web/3.log"


def test_rotation_keeps_at_most_max_files(tmp_path):
    log = tmp_path / "web" / "0.log"
    log.parent.mkdir()
    log.write_bytes(b"x" * 10)
    assert not rotate_if_needed(log, max_size=100, max_files=3)
    for round_ in range(5):
        with open(log, "ab") as out:
            out.write(b"line %d\n" % round_ * 20)
        assert rotate_if_needed(log, max_size=100, max_files=3, now=1_700_000_000 + round_)
        assert log.stat().st_size == 0
    rotated = rotated_files(log)
    assert len(rotated) == 2  # plus the live file: 3
    assert rotated[-1].read_bytes().endswith(b"line 4\n")
    with open(log, "ab") as out:  # the writer carries on in the live file
        out.write(b"after\n")
    assert log.read_bytes() == b"after\n"


def test_log_tail_message_joins_partial_lines_and_keeps_the_end(tmp_path):
    log = tmp_path / "0.log"
    lines = [f"2024-01-01T00:00:00.000000000Z stdout F line {i}" for i in range(100)]
    lines += ["2024-01-01T00:00:01Z stderr P par", "2024-01-01T00:00:01Z stderr F tial"]
    log.write_text("\n".join(lines) + "\n")
    message = log_tail_message(log)
    assert message.splitlines()[-1] == "partial"
    assert len(message.splitlines()) == 80
    assert log_tail_message(tmp_path / "missing.log") == ""
