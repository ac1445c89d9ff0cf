"""What register hooks return: named factories.

Every register hook (``microkube_storage_backends()``, ``microkube_container_runtimes()``, ...)
returns a mapping from a unique name to a factory. The name is what configuration selects
(``storage: sqlite``); the factory builds the object only when it is selected, so heavy imports
(gRPC, netlink, ...) happen inside it and never at plugin import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class FactoryContext:
    """What a factory is given when configuration selects it.

    ``options`` holds the plugin's own section of the configuration, unvalidated: each plugin
    structures it with its own converter so errors name the plugin's keys.
    """

    data_dir: Path
    options: Mapping[str, Any] = attrs.field(factory=dict)
    kubeconfig: Path | None = None
    node_name: str | None = None


#: A factory: called once with the context, returns the contract object.
Factory = Callable[[FactoryContext], T]

#: What a register hook returns.
Registrations = Mapping[str, Factory[Any]]
