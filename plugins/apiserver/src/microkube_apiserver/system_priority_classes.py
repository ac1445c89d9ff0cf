"""The PriorityClasses kube-apiserver creates and reserves (``SystemPriorityClasses`` of
k8s.io/kubernetes ``pkg/apis/scheduling``): created at start, not deletable, and the only
classes whose names may start with ``system-``."""

from __future__ import annotations

import attrs

__all__ = ["SYSTEM_PREFIX", "SYSTEM_PRIORITY_CLASSES", "SystemPriorityClass"]

SYSTEM_PREFIX = "system-"


@attrs.frozen
class SystemPriorityClass:
    name: str
    value: int
    description: str
    global_default: bool = False

    def to_object(self) -> dict[str, object]:
        return {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": self.name},
            "value": self.value,
            "description": self.description,
        }


SYSTEM_PRIORITY_CLASSES: dict[str, SystemPriorityClass] = {
    c.name: c
    for c in (
        SystemPriorityClass(
            "system-node-critical",
            2000001000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        SystemPriorityClass(
            "system-cluster-critical",
            2000000000,
            "Used for system critical pods that must run in the cluster, but can be moved to "
            "another node if necessary.",
        ),
    )
}
