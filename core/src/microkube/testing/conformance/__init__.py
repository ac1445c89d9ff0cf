"""Conformance suites: one base class per contract for a backend's tests to subclass.

Each suite is a plain class (not collected by itself) whose ``test_*`` methods run against a
fixture the subclass provides; see each module's docstring for what that fixture must yield.
Suites are imported lazily, one module each, so using one does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUITES = {
    "StorageConformance": "storage",
    "RuntimeConformance": "runtime",
    "SchedulingPluginConformance": "scheduling",
    "CNIConformance": "cni",
    "ServiceProxyConformance": "proxy",
    "CloudConformance": "cloud",
    "AdmissionConformance": "admission",
}

__all__ = sorted(_SUITES)


def __getattr__(name: str) -> Any:
    module = _SUITES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return __all__
