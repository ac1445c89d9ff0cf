"""``microkube up`` runs each component in a process of its own, in order, and stops them in
reverse order; a component that dies takes the cluster down with a one-line reason."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

COMPONENTS = """
    import asyncio, os
    from pathlib import Path
    from microkube import hookimpl
    from microkube.contracts.component import ComponentSpec

    class Recorded:
        def __init__(self, ctx):
            self.name = ctx.name
            self.dir = Path(ctx.data_dir)
            self.crash = ctx.options.get("crash-after")

        def _log(self, what):
            with (self.dir / "log").open("a") as f:
                f.write(f"{what} {self.name} {os.getpid()}\\n")

        async def start(self):
            self._log("start")
            if self.crash is not None:
                asyncio.get_running_loop().call_later(self.crash, os._exit, 3)

        async def stop(self):
            self._log("stop")

    @hookimpl
    def microkube_components():
        return {
            "apiserver": ComponentSpec(factory=Recorded, order=10),
            "scheduler": ComponentSpec(factory=Recorded, order=40),
        }
"""


def _up(site, tmp_path: Path, config: dict) -> tuple[subprocess.Popen[str], Path]:
    site.add("microkube-recorded", {"microkube.components": {"rec": "rec_components"}},
             {"rec_components": COMPONENTS})  # fmt: skip
    data = tmp_path / "data"
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"data-dir": str(data), **config}))
    process = subprocess.Popen(
        [sys.executable, "-m", "microkube.cli", "--config", str(path), "up"],
        env=site.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, data / "log"


def _lines(log: Path, count: int, process: subprocess.Popen[str]) -> list[list[str]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= count:
            return [line.split() for line in lines]
        assert process.poll() is None or count <= len(lines), process.stderr.read()
        time.sleep(0.05)
    raise AssertionError(f"{count} log lines not written: {log.read_text()}")


def test_each_component_runs_in_its_own_process_and_stops_in_reverse(site, tmp_path):
    process, log = _up(site, tmp_path, {})
    try:
        started = _lines(log, 2, process)
        assert [(w, n) for w, n, _ in started] == [("start", "apiserver"), ("start", "scheduler")]
        pids = {int(pid) for _, _, pid in started}
        assert len(pids) == 2 and process.pid not in pids
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, process.stderr.read()
        events = _lines(log, 4, process)
        assert [(w, n) for w, n, _ in events[2:]] == [("stop", "scheduler"), ("stop", "apiserver")]
        for pid in pids:  # no component outlives up
            assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_component_that_dies_stops_the_others_and_up_says_which(site, tmp_path):
    config = {"options": {"scheduler": {"crash-after": 0.5}}}
    process, log = _up(site, tmp_path, config)
    try:
        assert process.wait(30) == 1
        error = process.stderr.read()
        assert "microkube up: component 'scheduler' exited with status 3" in error
        events = [(w, n) for w, n, _ in _lines(log, 3, process)]
        assert events == [("start", "apiserver"), ("start", "scheduler"), ("stop", "apiserver")]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_one_process_for_all_when_configured(site, tmp_path):
    process, log = _up(site, tmp_path, {"process-per-component": False})
    try:
        started = _lines(log, 2, process)
        assert {int(pid) for _, _, pid in started} == {process.pid}
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
