"""Running components: order, lifecycle notifications, clean stop, failure unwinding."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from microkube import hookimpl
from microkube.config import Config
from microkube.contracts.component import Component, ComponentSpec
from microkube.plugins import SelectionError, registry_for
from microkube.runner import NoComponentsError, choose_components, run_components


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.all_started = asyncio.Event()


class FakeComponent:
    def __init__(self, name: str, log: Recorder, fail_start: bool = False) -> None:
        self._name = name
        self.log = log
        self.fail_start = fail_start

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self._name} cannot start")
        self.log.events.append(f"start {self._name}")

    async def stop(self) -> None:
        self.log.events.append(f"stop {self._name}")


def _plugin(log: Recorder, failing: str = ""):
    class Components:
        @hookimpl
        def microkube_components(self):
            def spec(name, order):
                return ComponentSpec(
                    factory=lambda ctx: FakeComponent(ctx.name, log, fail_start=name == failing),
                    order=order,
                )

            return {"scheduler": spec("scheduler", 20), "apiserver": spec("apiserver", 10)}

    class Observer:
        @hookimpl
        def microkube_configure(self, config: Config):
            log.events.append(f"configure storage={config.storage}")

        @hookimpl
        def microkube_component_started(self, component: Component):
            log.events.append(f"started-hook {component.name}")
            if component.name == "scheduler":
                log.all_started.set()

        @hookimpl
        def microkube_component_stopping(self, component: Component):
            log.events.append(f"stopping-hook {component.name}")

    return registry_for(("components", Components()), ("observer", Observer()))


async def test_starts_in_order_and_stops_in_reverse(tmp_path):
    log = Recorder()
    stop = asyncio.Event()
    task = asyncio.create_task(run_components(_plugin(log), Config(), tmp_path, stop=stop))
    await asyncio.wait_for(log.all_started.wait(), timeout=10)
    stop.set()
    await task
    assert log.events == [
        "configure storage=sqlite",
        "start apiserver",
        "started-hook apiserver",
        "start scheduler",
        "started-hook scheduler",
        "stopping-hook scheduler",
        "stop scheduler",
        "stopping-hook apiserver",
        "stop apiserver",
    ]


async def test_failed_start_stops_those_already_started(tmp_path):
    log = Recorder()
    with pytest.raises(RuntimeError, match="scheduler cannot start"):
        await run_components(_plugin(log, failing="scheduler"), Config(), tmp_path)
    assert log.events == [
        "configure storage=sqlite",
        "start apiserver",
        "started-hook apiserver",
        "stopping-hook apiserver",
        "stop apiserver",
    ]


def test_choice_follows_configuration():
    registry = _plugin(Recorder())
    names = [n for n, _ in choose_components(registry, Config(disabled_components=("scheduler",)))]
    assert names == ["apiserver"]
    with pytest.raises(SelectionError, match="component 'kubelet' is not installed"):
        choose_components(registry, Config(components=("kubelet",)))
    with pytest.raises(NoComponentsError):
        choose_components(registry_for(), Config())


COMPONENT_PLUGIN = """
    from pathlib import Path
    from microkube import hookimpl
    from microkube.contracts.component import ComponentSpec

    class Marker:
        name = "marker"

        def __init__(self, ctx):
            self.path = Path(ctx.data_dir) / "marker.log"

        async def start(self):
            self.path.write_text("started\\n")

        async def stop(self):
            with self.path.open("a") as f:
                f.write("stopped\\n")

    @hookimpl
    def microkube_components():
        return {"marker": ComponentSpec(factory=Marker)}
"""


def test_up_runs_until_sigterm_and_stops_cleanly(site, tmp_path):
    site.add(
        "microkube-marker",
        {"microkube.components": {"marker": "marker_component"}},
        {"marker_component": COMPONENT_PLUGIN},
    )
    data = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "microkube.cli", "up", "--data-dir", str(data)],
        env=site.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        marker = data / "marker.log"
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        assert marker.read_text() == "started\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert marker.read_text() == "started\nstopped\n"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
