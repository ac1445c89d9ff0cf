"""Meta-tests over the hook specifications (datasette's habit): every hook is an empty typed
function with a docstring contract, is documented, belongs to a group, and has a test."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from microkube.hookspecs import PROJECT, spec_modules
from microkube.plugins import GROUPS, REGISTER_HOOKS, new_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
HOOKS = [
    (module, name, fn)
    for module in spec_modules()
    for name, fn in vars(module).items()
    if name.startswith("microkube_") and callable(fn)
]
LIFECYCLE = {"microkube_configure", "microkube_component_started", "microkube_component_stopping"}


@pytest.mark.parametrize(("module", "name", "fn"), HOOKS, ids=[h[1] for h in HOOKS])
def test_hook_is_an_empty_typed_function_with_a_contract(module, name, fn):
    assert hasattr(fn, f"{PROJECT}_spec"), f"{name} is not marked @hookspec"
    doc = inspect.getdoc(fn)
    assert doc and len(doc) > 40, f"{name} needs a docstring stating its contract"
    assert "return" in inspect.get_annotations(fn), f"{name} has no return annotation"
    tree = ast.parse(inspect.getsource(fn))
    (function,) = tree.body
    assert len(function.body) == 1 and isinstance(function.body[0], ast.Expr), (
        f"{name} must have a docstring and nothing else"
    )


def test_every_hook_is_a_register_or_lifecycle_hook():
    names = {name for _, name, _ in HOOKS}
    assert names == set(REGISTER_HOOKS) | LIFECYCLE
    assert len(REGISTER_HOOKS) == len(set(REGISTER_HOOKS))
    assert all(group.startswith("microkube.") for group in GROUPS)


def test_register_hooks_take_no_arguments():
    for _, name, fn in HOOKS:
        if name in REGISTER_HOOKS:
            assert not inspect.signature(fn).parameters, f"{name} must take no arguments"


def test_plugin_manager_knows_every_hook():
    pm = new_plugin_manager()
    for _, name, _ in HOOKS:
        assert getattr(pm.hook, name).has_spec()


def test_every_hook_is_documented():
    docs = (ROOT / "docs" / "architecture.md").read_text()
    missing = [name for _, name, _ in HOOKS if f"`{name}" not in docs]
    assert not missing, f"undocumented hooks in docs/architecture.md: {missing}"


def test_every_hook_is_exercised_by_a_test():
    sources = "\n".join(
        p.read_text()
        for p in (ROOT / "core" / "tests").rglob("test_*.py")
        if p.name != Path(__file__).name
    )
    untested = [name for _, name, _ in HOOKS if name not in sources]
    assert not untested, f"hooks no test mentions: {untested}"
