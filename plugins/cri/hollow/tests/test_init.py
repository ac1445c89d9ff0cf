"""The entry point is wired: configuration ``runtime: hollow`` finds this runtime."""

from __future__ import annotations

from pathlib import Path

from microkube_cri_hollow.runtime import HollowRuntime

from microkube.contracts.registration import FactoryContext
from microkube.contracts.runtime import ContainerRuntime
from microkube.plugins import load_plugins


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    registry = load_plugins(groups=["microkube.cri"])
    factory = registry.select("microkube_container_runtimes", "hollow")
    options = {"start-delay": 0.5, "pod-cidr": "10.9.0.0/24"}
    runtime = factory(FactoryContext(data_dir=tmp_path, node_name="h1", options=options))
    assert isinstance(runtime, HollowRuntime) and isinstance(runtime, ContainerRuntime)
    assert runtime.options.start_delay == 0.5 and runtime.node_name == "h1"
