"""The entry point is wired: configuration ``cni: bridge`` finds this plugin."""

from __future__ import annotations

from pathlib import Path

from microkube_cni_bridge.exec_cni import ExecCNI

from microkube.contracts.cni import CNIPlugin
from microkube.contracts.registration import FactoryContext
from microkube.plugins import load_plugins


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    registry = load_plugins(groups=["microkube.cni"])
    factory = registry.select("microkube_cni_plugins", "bridge")
    cni = factory(FactoryContext(data_dir=tmp_path, node_name="n1", options={"bridge": "br9"}))
    assert isinstance(cni, ExecCNI) and isinstance(cni, CNIPlugin)
    assert cni.network_list["plugins"][0]["bridge"] == "br9"
    assert cni.cache.directory == tmp_path / "cni" / "n1" / "results"
