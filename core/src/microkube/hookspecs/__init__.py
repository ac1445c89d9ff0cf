"""Hook specifications: one module per concern, each hook an empty typed function whose
docstring is its contract.

Register hooks (called once at start) return ``{name: factory}`` mappings; lifecycle hooks
notify observers. Plugins mark implementations with :data:`hookimpl`.
"""

from microkube.hookspecs import (
    admission,
    auth,
    cloud,
    cni,
    commands,
    components,
    controllers,
    lifecycle,
    proxy,
    runtime,
    scheduling,
    storage,
)
from microkube.hookspecs._marker import PROJECT, hookimpl, hookspec

#: Every hookspec module, in the order they are added to a plugin manager.
MODULES = (
    storage,
    runtime,
    scheduling,
    controllers,
    cni,
    proxy,
    cloud,
    admission,
    auth,
    components,
    commands,
    lifecycle,
)

__all__ = ["MODULES", "PROJECT", "hookimpl", "hookspec"]
