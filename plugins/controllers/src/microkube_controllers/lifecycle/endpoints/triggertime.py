"""``endpoints.kubernetes.io/last-change-trigger-time``: when the earliest change not yet
reflected in a Service's endpoints happened, as upstream's ``TriggerTimeTracker``.

A pod's change time is its ``Ready`` condition's ``lastTransitionTime`` (its creation time
before it has one), the Service's its creation time. Each computation compares with what the
previous one saw for that Service and returns the earliest time that is new (None if none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from microkube_controllers.common.pods import get_pod_ready_condition

ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"


def pod_trigger_time(pod: Mapping[str, Any]) -> str | None:
    ready = get_pod_ready_condition(pod)
    if ready and ready.get("lastTransitionTime"):
        return ready["lastTransitionTime"]
    return (pod.get("metadata") or {}).get("creationTimestamp")


class TriggerTimeTracker:
    def __init__(self) -> None:
        # service key -> (service time, {pod key: pod time})
        self._seen: dict[str, tuple[str | None, dict[str, str | None]]] = {}

    def compute(
        self, service_key: str, service: Mapping[str, Any], pods: Iterable[Mapping[str, Any]]
    ) -> str | None:
        previous_service, previous_pods = self._seen.get(service_key, (None, {}))
        service_time = (service.get("metadata") or {}).get("creationTimestamp")
        times: list[str] = []
        if service_time and service_time != previous_service:
            times.append(service_time)
        current: dict[str, str | None] = {}
        for pod in pods:
            meta = pod.get("metadata") or {}
            key = f"{meta.get('namespace')}/{meta.get('name')}"
            current[key] = pod_trigger_time(pod)
            if current[key] and current[key] != previous_pods.get(key):
                times.append(current[key])
        self._seen[service_key] = (service_time, current)
        return min(times) if times else None

    def forget(self, service_key: str) -> None:
        self._seen.pop(service_key, None)
