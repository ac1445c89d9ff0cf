"""The entry point is wired: configuration ``runtime: process`` finds this runtime."""

from __future__ import annotations

from pathlib import Path

from microkube_cri_process.runtime import ProcessRuntime

from microkube.contracts.registration import FactoryContext
from microkube.contracts.runtime import ContainerRuntime
from microkube.plugins import load_plugins


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    registry = load_plugins(groups=["microkube.cri"])
    factory = registry.select("microkube_container_runtimes", "process")
    runtime = factory(FactoryContext(data_dir=tmp_path, node_name="n1"))
    assert isinstance(runtime, ProcessRuntime) and isinstance(runtime, ContainerRuntime)
    assert runtime.root == str(tmp_path / "cri-process")
