"""Hook specifications: one module per concern, each hook an empty typed function whose
docstring is its contract.

Register hooks (called once at start) return ``{name: factory}`` mappings; lifecycle hooks
notify observers. Plugins mark implementations with :data:`hookimpl`. The spec modules are
imported by :func:`spec_modules` only, so ``from microkube import hookimpl`` stays cheap.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from microkube.hookspecs._marker import PROJECT, hookimpl, hookspec

#: Every hookspec module by name, in the order they are added to a plugin manager.
MODULE_NAMES = (
    "storage",
    "runtime",
    "scheduling",
    "controllers",
    "cni",
    "proxy",
    "cloud",
    "admission",
    "auth",
    "components",
    "commands",
    "lifecycle",
)


def spec_modules() -> list[ModuleType]:
    """Import and return every hookspec module."""
    return [importlib.import_module(f"{__name__}.{name}") for name in MODULE_NAMES]


__all__ = ["MODULE_NAMES", "PROJECT", "hookimpl", "hookspec", "spec_modules"]
