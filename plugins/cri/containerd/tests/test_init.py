"""The entry points are wired: ``runtime: containerd`` and ``microkube images`` are found."""

from __future__ import annotations

from pathlib import Path

from microkube_cri_containerd.runtime import ContainerdRuntime

from microkube.contracts.registration import FactoryContext
from microkube.contracts.runtime import (
    ContainerRuntime,
    PodNetworkRuntime,
    RuntimeStatusReporter,
)
from microkube.plugins import load_plugins


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    registry = load_plugins(groups=["microkube.cri"])
    factory = registry.select("microkube_container_runtimes", "containerd")
    context = FactoryContext(data_dir=tmp_path, options={"address": "/run/x.sock"})
    runtime = factory(context)
    assert isinstance(runtime, ContainerdRuntime) and isinstance(runtime, ContainerRuntime)
    assert isinstance(runtime, PodNetworkRuntime) and isinstance(runtime, RuntimeStatusReporter)
    assert runtime.address == "/run/x.sock" and runtime.own is None


def test_the_images_command_is_registered() -> None:
    registry = load_plugins(groups=["microkube.commands"])
    command = registry.select("microkube_commands", "images")
    assert "k8s.io" in command.help
