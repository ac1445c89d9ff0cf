"""Fixtures shared by the kernel's tests."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest


class Site:
    """A directory standing for site-packages: fabricated distributions with real
    ``.dist-info`` metadata and entry points, so ``importlib.metadata`` finds them."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.names: list[str] = []
        self._monkeypatch = monkeypatch

    def add(
        self,
        distribution: str,
        entry_points: Mapping[str, Mapping[str, str]],
        modules: Mapping[str, str],
        version: str = "1.0",
    ) -> None:
        info = self.root / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
        )
        lines = []
        for group, entries in entry_points.items():
            lines.append(f"[{group}]")
            lines += [f"{name} = {target}" for name, target in entries.items()]
            self.names += [name for name in entries if name not in self.names]
        # Isolate from the plugins installed in the environment: load only this site's.
        self._monkeypatch.setenv("MICROKUBE_LOAD_PLUGINS", ",".join(self.names))
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in modules.items():
            path = self.root / (module.replace(".", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))

    def add_broken(self, distribution: str, version: str = "0.1") -> None:
        """A plugin ``broken`` (group storage) whose module raises at import."""
        self.add(
            distribution,
            {"microkube.storage": {"broken": "broken_plugin"}},
            {"broken_plugin": 'raise RuntimeError("boom at import")\n'},
            version,
        )

    def add_misspelled(self, distribution: str, version: str = "0.1") -> None:
        """A plugin ``typo`` implementing ``microkube_storage_backend`` (no such hook)."""
        self.add(
            distribution,
            {"microkube.storage": {"typo": "typo_plugin"}},
            {"typo_plugin": MISSPELLED},
            version,
        )

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.root), env.get("PYTHONPATH")]))
        return env

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
        """Run the ``microkube`` CLI with this site on the path."""
        return subprocess.run(
            [sys.executable, "-m", "microkube.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            **kwargs,
        )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A fresh fake site-packages, also put on ``sys.path`` for in-process loading. Only its
    plugins load (``MICROKUBE_LOAD_PLUGINS``), whatever else the environment has installed."""
    root = tmp_path / "site"
    root.mkdir()
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    before = set(sys.modules)
    try:
        monkeypatch.setenv("MICROKUBE_LOAD_PLUGINS", "")
        yield Site(root, monkeypatch)
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            if module is not None and str(getattr(module, "__file__", "")).startswith(str(root)):
                del sys.modules[name]
        importlib.invalidate_caches()


MISSPELLED = """
    from microkube import hookimpl

    @hookimpl
    def microkube_storage_backend():
        return {"typo": object}
"""

SAMPLE_STORAGE = """
    from microkube import hookimpl

    class SampleStorage:
        def __init__(self, context):
            self.context = context

    @hookimpl
    def microkube_storage_backends():
        return {"sample": SampleStorage}
"""

SAMPLE_COMMAND = """
    from microkube import hookimpl
    from microkube.contracts.command import Command

    def run(args):
        print("hello from sample")
        return 0

    @hookimpl
    def microkube_commands():
        return {"hello": Command(help="say hello", run=run)}
"""


@pytest.fixture
def sample_plugins(site: Site) -> Site:
    """Two well-formed sample plugins installed in ``site``."""
    site.add(
        "microkube-sample-storage",
        {"microkube.storage": {"sample": "sample_storage"}},
        {"sample_storage": SAMPLE_STORAGE},
        version="0.3",
    )
    site.add(
        "microkube-sample-hello",
        {"microkube.commands": {"hello": "sample_hello"}},
        {"sample_hello": SAMPLE_COMMAND},
        version="2.1",
    )
    return site
