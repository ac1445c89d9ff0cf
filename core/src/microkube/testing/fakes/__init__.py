"""In-memory fakes of the contracts, each with call recording and error injection.

Imported lazily, one module each: ``from microkube.testing.fakes import FakeStorage`` loads
only the storage fake.
"""

from __future__ import annotations

import importlib
from typing import Any

_FAKES = {
    "FakeStorage": "storage",
    "FakeWatch": "storage",
    "FakeRuntime": "runtime",
    "FakeExecSession": "exec_session",
    "ContainerBehaviour": "runtime",
    "FakeCNI": "cni",
    "FakeServiceProxy": "proxy",
    "resolve_endpoints": "proxy",
    "FakeCloud": "cloud",
    "LabelingAdmission": "admission",
    "RejectingAdmission": "admission",
    "StaticTokenAuthenticator": "auth",
    "ListAuthorizer": "auth",
    "Rule": "auth",
    "FakeNodeInfo": "scheduling",
    "FakeFrameworkHandle": "scheduling",
}

__all__ = sorted(_FAKES)


def __getattr__(name: str) -> Any:
    module = _FAKES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return __all__
