"""The kubelet's HTTPS server: logs, exec, attach, port-forward and resource stats.

``KubeletServer`` is imported lazily so that importing this package stays cheap for the
kubelet until the server is actually made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microkube_kubelet.server.server import KubeletServer

__all__ = ["KubeletServer"]


def __getattr__(name: str) -> Any:
    if name == "KubeletServer":
        from microkube_kubelet.server.server import KubeletServer

        return KubeletServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
