"""What a pod contributes to a Service's endpoints, as upstream's ``endpointsliceutil``:
whether it belongs at all, its conditions, and the port a service port resolves to on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube.selectors import label_selector_matcher
from microkube_controllers.common.pods import is_pod_ready

Obj = Mapping[str, Any]


def selects(service: Obj, pod: Obj) -> bool:
    """The Service's (map) selector matches the pod's labels; no selector selects nothing."""
    selector = (service.get("spec") or {}).get("selector")
    if not selector:
        return False
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return label_selector_matcher({"matchLabels": selector})(labels)


def is_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def pod_ips(pod: Obj) -> list[str]:
    status = pod.get("status") or {}
    ips = [entry.get("ip") for entry in status.get("podIPs") or () if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def should_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """Upstream ``ShouldPodBeInEndpoints``: not finished, has an IP, and (unless
    ``include_terminating``) not being deleted."""
    if is_terminal(pod) or not pod_ips(pod):
        return False
    return include_terminating or not is_terminating(pod)


def publishes_not_ready(service: Obj) -> bool:
    return bool((service.get("spec") or {}).get("publishNotReadyAddresses"))


def conditions(service: Obj, pod: Obj) -> dict[str, bool]:
    """``ready`` never holds for a terminating pod (unless the Service publishes not-ready
    addresses); ``serving`` is the pod's readiness; ``terminating`` its deletion."""
    serving = is_pod_ready(pod)
    terminating = is_terminating(pod)
    ready = publishes_not_ready(service) or (serving and not terminating)
    return {
        "ready": ready,
        "serving": publishes_not_ready(service) or serving,
        "terminating": terminating,
    }


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The port number a service port's ``targetPort`` means on this pod (upstream
    ``podutil.FindPort``): a number as is, a name looked up among the containers' ports of
    the same protocol; None when the pod has no such named port."""
    target = service_port.get("targetPort")
    if target is None or target == "":
        target = service_port.get("port")
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or ():
        for port in container.get("ports") or ():
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def target_ref(pod: Obj) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    return {
        "kind": "Pod",
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
    }


def hostname(service: Obj, pod: Obj) -> str | None:
    """The pod's hostname when it names this Service as its subdomain (for DNS records)."""
    spec = pod.get("spec") or {}
    name = (service.get("metadata") or {}).get("name")
    if spec.get("hostname") and spec.get("subdomain") == name:
        return spec["hostname"]
    return None
