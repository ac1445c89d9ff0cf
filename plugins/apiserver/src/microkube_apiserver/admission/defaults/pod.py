"""Pod and PodSpec defaults, for pods and for the pod templates inside workloads."""

from __future__ import annotations

from typing import Any

__all__ = ["default_pod", "default_pod_spec", "default_template", "image_pull_policy"]

_PROBE_DEFAULTS = {
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
_DEFAULT_MODE = 420  # 0644


def image_pull_policy(image: str) -> str:
    """Always for ``:latest`` or no tag, IfNotPresent otherwise (a digest counts as a tag)."""
    if "@" in image:
        return "IfNotPresent"
    name = image.rsplit("/", 1)[-1]
    tag = name.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _probe(probe: dict[str, Any] | None) -> None:
    if not probe:
        return
    for key, value in _PROBE_DEFAULTS.items():
        probe.setdefault(key, value)
    if "httpGet" in probe:
        probe["httpGet"].setdefault("scheme", "HTTP")
        probe["httpGet"].setdefault("path", "/")


def _container(container: dict[str, Any]) -> None:
    image = container.get("image")
    if image and not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = image_pull_policy(image)
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    resources = container["resources"]
    limits = resources.get("limits") or {}
    if limits:
        requests = resources.setdefault("requests", {})
        for name, value in limits.items():
            requests.setdefault(name, value)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(container.get(probe))


def _volume(volume: dict[str, Any]) -> None:
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        if source in volume and isinstance(volume[source], dict):
            volume[source].setdefault("defaultMode", _DEFAULT_MODE)
    if "hostPath" in volume and isinstance(volume["hostPath"], dict):
        volume["hostPath"].setdefault("type", "")
    if not any(k for k in volume if k != "name"):
        volume["emptyDir"] = {}


def default_pod_spec(spec: dict[str, Any]) -> None:
    """``SetDefaults_PodSpec`` and the defaults of everything inside it."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    if spec.get("hostNetwork"):
        for container in spec.get("containers") or []:
            for port in container.get("ports") or []:
                port.setdefault("hostPort", port.get("containerPort"))
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            _container(container)
    for volume in spec.get("volumes") or []:
        _volume(volume)


def default_template(template: dict[str, Any] | None) -> None:
    if template is not None:
        default_pod_spec(template.setdefault("spec", {}))


def default_pod(pod: dict[str, Any]) -> None:
    """A Pod: its spec, plus what admission adds to pods (not templates) in Kubernetes: the
    service account and priority (the not-ready/unreachable tolerations are the
    DefaultTolerationSeconds plugin's)."""
    spec = pod.setdefault("spec", {})
    default_pod_spec(spec)
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if "kubernetes.io/config.mirror" not in annotations:  # mirror pods have no account
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        spec["serviceAccountName"] = account
        spec["serviceAccount"] = account
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
