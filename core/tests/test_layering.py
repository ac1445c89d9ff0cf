"""The layering rules of DESIGN.md §2, checked over every source file's imports (AST).

- ``microkube.contracts`` imports nothing else of microkube; ``microkube.hookspecs`` only
  contracts; both only pluggy/attrs from outside the stdlib.
- The kernel imports no plugin, and at module level nothing outside pluggy, attrs, cattrs and
  the stdlib (``microkube.testing`` may import pytest and, guarded, pytest-asyncio; optional
  extras load lazily in functions).
- A plugin imports no other plugin and only public ``microkube`` modules (no ``_private`` part).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core" / "src" / "microkube"
KERNEL_DEPS = {"pluggy", "attrs", "attr", "cattrs"}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, module: str) -> Iterator[tuple[str, bool]]:
    """(imported module, imported at module level?) for every import in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    top_level = set(map(id, tree.body))
    for stmt in ast.walk(tree):
        # `if TYPE_CHECKING:` bodies and try/except at top level still count as module level
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                yield alias.name, _at_module_level(stmt, tree, top_level)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (stmt.level - 1)]
                name = ".".join(base + ([stmt.module] if stmt.module else []))
            else:
                name = stmt.module or ""
            yield name, _at_module_level(stmt, tree, top_level)


def _at_module_level(stmt: ast.stmt, tree: ast.Module, top_level: set[int]) -> bool:
    if id(stmt) in top_level:
        return True
    for node in tree.body:
        if isinstance(node, (ast.If, ast.Try)) and any(n is stmt for n in ast.walk(node)):
            return True
    return False


def _files(src: Path, package: str) -> list[tuple[Path, str]]:
    return [(p, _module_name(p, src)) for p in sorted((src / package).rglob("*.py"))]


def _stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


def test_contracts_import_nothing_else_of_microkube():
    for path, module in _files(CORE.parent, "microkube/contracts"):
        for name, _ in imports(path, module):
            if name.startswith("microkube"):
                assert name.startswith("microkube.contracts"), f"{module} imports {name}"
            else:
                assert _stdlib(name) or name.split(".")[0] in {"attrs", "attr"}, (
                    f"{module} imports {name}"
                )


def test_hookspecs_import_only_contracts():
    for path, module in _files(CORE.parent, "microkube/hookspecs"):
        for name, _ in imports(path, module):
            if name.startswith("microkube"):
                assert name.startswith(("microkube.contracts", "microkube.hookspecs")), (
                    f"{module} imports {name}"
                )
            else:
                assert _stdlib(name) or name == "pluggy", f"{module} imports {name}"


def test_kernel_imports_no_plugin_and_only_its_dependencies():
    for path, module in _files(CORE.parent, "microkube"):
        for name, module_level in imports(path, module):
            top = name.split(".")[0]
            assert not top.startswith("microkube_"), f"{module} imports plugin {name}"
            if not module_level or top == "microkube" or _stdlib(name):
                continue
            testing = module.startswith("microkube.testing")
            allowed = KERNEL_DEPS | ({"pytest", "pytest_asyncio"} if testing else set())
            assert top in allowed, f"{module} imports {name} at module level"


def _plugin_packages() -> list[tuple[Path, str]]:
    found = []
    for pyproject in sorted((ROOT / "plugins").rglob("pyproject.toml")):
        src = pyproject.parent / "src"
        if src.is_dir():
            found += [
                (src, p.name)
                for p in src.iterdir()
                if p.name.startswith("microkube_") and (p / "__init__.py").is_file()
            ]
    return found


@pytest.mark.parametrize(("src", "package"), _plugin_packages() or [pytest.param(None, None)])
def test_plugins_import_no_other_plugin_and_only_public_kernel(src, package):
    if src is None:
        pytest.skip("no plugin packages in the workspace yet")
    tests = src.parent / "tests"
    files = _files(src, package) + (
        [(p, f"{package}_tests.{p.stem}") for p in tests.rglob("*.py")] if tests.is_dir() else []
    )
    for path, module in files:
        for name, _ in imports(path, module):
            top = name.split(".")[0]
            if top.startswith("microkube_"):
                assert top == package, f"{module} imports another plugin: {name}"
            if top == "microkube":
                assert not any(part.startswith("_") for part in name.split(".")[1:]), (
                    f"{module} imports private kernel module {name}"
                )


def test_checker_sees_relative_and_nested_imports(tmp_path):
    pkg = tmp_path / "microkube" / "contracts"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text(
        "from ..api import core_v1\n"
        "def f():\n    import microkube.client\n"
        "try:\n    import yaml\nexcept ImportError:\n    pass\n"
    )
    found = list(imports(pkg / "bad.py", "microkube.contracts.bad"))
    assert found == [("microkube.api", True), ("microkube.client", False), ("yaml", True)]
