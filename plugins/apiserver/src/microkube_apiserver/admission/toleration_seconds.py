"""DefaultTolerationSeconds, as kube-apiserver's admission plugin of that name.

Every new pod tolerates the ``node.kubernetes.io/not-ready`` and ``.../unreachable``
NoExecute taints for a while (300 s by default) unless it says otherwise, so a node that
misses a few heartbeats does not have its pods evicted at once; the node lifecycle
controller evicts them when the time is up. Options (``options.DefaultTolerationSeconds``):
``default-not-ready-toleration-seconds`` and ``default-unreachable-toleration-seconds``,
kube-apiserver's flag names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, structure_options
from microkube.contracts.admission import AdmissionRequest, Operation

__all__ = ["DefaultTolerationSeconds", "TolerationOptions"]

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


@attrs.frozen(kw_only=True)
class TolerationOptions:
    default_not_ready_toleration_seconds: int = attrs.field(default=300, validator=not_negative)
    default_unreachable_toleration_seconds: int = attrs.field(default=300, validator=not_negative)


def _tolerates(tolerations: list[dict[str, Any]], key: str) -> bool:
    """Does some toleration already cover ``key``'s NoExecute taint (as upstream checks)?"""
    for toleration in tolerations:
        effect = toleration.get("effect") or ""
        if effect not in ("", "NoExecute"):
            continue
        if (toleration.get("key") or "") in (key, ""):
            return True
    return False


class DefaultTolerationSeconds:
    name = "DefaultTolerationSeconds"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options = structure_options(
            TolerationOptions, dict(options or {}), "options.DefaultTolerationSeconds"
        )

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.operation is Operation.CREATE
            and request.object is not None
            and not request.subresource
            and (request.resource.group, request.kind) == ("", "Pod")
        )

    async def admit(self, request: AdmissionRequest) -> None:
        pod = request.object
        if pod is None:
            return
        tolerations = pod.setdefault("spec", {}).setdefault("tolerations", [])
        seconds = {
            NOT_READY: self.options.default_not_ready_toleration_seconds,
            UNREACHABLE: self.options.default_unreachable_toleration_seconds,
        }
        for key, value in seconds.items():
            if not _tolerates(tolerations, key):
                tolerations.append(
                    {
                        "key": key,
                        "operator": "Exists",
                        "effect": "NoExecute",
                        "tolerationSeconds": value,
                    }
                )
