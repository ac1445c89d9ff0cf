"""A third-party score plugin, written here as its own tiny distribution (a pyproject, a
module, and the installed ``.dist-info`` with its ``microkube.scheduling`` entry point on
``sys.path``), changes placement once a profile enables it — and not before."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import create, node, pod, wait_bound

PLUGIN_SOURCE = '''
"""Prefers nodes labelled ``tier: gold`` (a third party's scheduling plugin)."""

from microkube import hookimpl
from microkube.contracts.scheduling import MAX_NODE_SCORE, SUCCESS


class PreferGold:
    name = "PreferGold"

    def __init__(self, label):
        self.label = label

    def score(self, state, pod, node_info):
        labels = node_info.node.metadata.labels or {}
        return (MAX_NODE_SCORE if labels.get(self.label) == "gold" else 0), SUCCESS


def factory(args, handle):
    unknown = set(args) - {"label"}
    if unknown:
        raise ValueError(f"PreferGold: unknown args {sorted(unknown)}")
    return PreferGold(args.get("label", "tier"))


@hookimpl
def microkube_scheduler_plugins():
    return {"PreferGold": factory}
'''

PYPROJECT = """
[project]
name = "prefer-gold"
version = "1.0"
dependencies = ["microkube"]

[project.entry-points."microkube.scheduling"]
PreferGold = "prefer_gold"
"""


@pytest.fixture(autouse=True)
def prefer_gold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The distribution's source tree, and its installed form on ``sys.path``."""
    source = tmp_path / "prefer-gold"
    source.mkdir()
    (source / "pyproject.toml").write_text(PYPROJECT)
    (source / "prefer_gold.py").write_text(PLUGIN_SOURCE)
    site = tmp_path / "site"
    info = site / "prefer_gold-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: prefer-gold\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """
            [microkube.scheduling]
            PreferGold = prefer_gold
            """
        )
    )
    (site / "prefer_gold.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(site))
    return source


async def _placement(cluster) -> str:
    await create(
        cluster,
        node("plain"),
        node("gold", labels={"tier": "gold"}),
        pod("filler", cpu="3", memory="24Gi", nodeName="gold"),
    )
    await create(cluster, pod("app", cpu="500m"))
    return await wait_bound(cluster, "app")


async def test_installed_but_not_enabled_changes_nothing(cluster):
    assert await _placement(cluster) == "plain"


class TestEnabledInAProfile:
    @pytest.fixture
    def scheduler_options(self):
        return {
            "profiles": [
                {
                    "schedulerName": "default-scheduler",
                    "plugins": {"score": {"enabled": [{"name": "PreferGold", "weight": 10}]}},
                    "pluginConfig": [{"name": "PreferGold", "args": {"label": "tier"}}],
                }
            ]
        }

    async def test_the_plugin_draws_the_pod_to_the_gold_node(self, cluster):
        assert await _placement(cluster) == "gold"
