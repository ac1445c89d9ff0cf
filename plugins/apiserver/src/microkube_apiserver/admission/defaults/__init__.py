"""Kubernetes' defaults (``SetDefaults_*`` of k8s.io/kubernetes ``pkg/apis/*/v1``), per kind,
as functions editing Kubernetes JSON in place. Every function is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microkube_apiserver.admission.defaults import apps, batch, core, pod, scaling

__all__ = ["DEFAULTERS", "Defaulter"]

Defaulter = Callable[[dict[str, Any]], None]

#: (group, kind) -> the defaults of that kind.
DEFAULTERS: dict[tuple[str, str], Defaulter] = {
    ("", "Pod"): pod.default_pod,
    ("", "PodTemplate"): lambda obj: pod.default_template(obj.get("template")),
    ("", "Service"): core.default_service,
    ("", "Namespace"): core.default_namespace,
    ("", "Secret"): core.default_secret,
    ("", "Endpoints"): core.default_endpoints,
    ("", "PersistentVolume"): core.default_persistent_volume,
    ("", "PersistentVolumeClaim"): core.default_persistent_volume_claim,
    ("apps", "Deployment"): apps.default_deployment,
    ("apps", "ReplicaSet"): apps.default_replica_set,
    ("apps", "DaemonSet"): apps.default_daemon_set,
    ("apps", "StatefulSet"): apps.default_stateful_set,
    ("batch", "Job"): batch.default_job,
    ("batch", "CronJob"): batch.default_cron_job,
    ("discovery.k8s.io", "EndpointSlice"): core.default_endpoint_slice,
    ("scheduling.k8s.io", "PriorityClass"): scaling.default_priority_class,
    ("autoscaling", "HorizontalPodAutoscaler"): scaling.default_horizontal_pod_autoscaler,
}
