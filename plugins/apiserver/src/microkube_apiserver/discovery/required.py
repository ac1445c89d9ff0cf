"""Which fields Kubernetes' OpenAPI marks ``required``, per schema.

The models make every field optional (a missing field is a validation error, not a decoding
one), so the ``required`` lists of the documents come from this table: the upstream 1.32
schemas' lists, for the schemas microkube models. ``kubectl explain`` prints ``-required-``
from them, and generated clients (the Python ``kubernetes`` package) refuse objects without
them, which is why they must not be invented either.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["REQUIRED"]

_CORE = "io.k8s.api.core.v1."
_APPS = "io.k8s.api.apps.v1."
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_TYPE_STATUS = ("type", "status")

_LISTS = (
    _CORE + "PodList",
    _CORE + "NodeList",
    _CORE + "NamespaceList",
    _CORE + "ServiceList",
    _CORE + "EndpointsList",
    _CORE + "ConfigMapList",
    _CORE + "SecretList",
    _CORE + "ServiceAccountList",
    _CORE + "EventList",
    _CORE + "PersistentVolumeList",
    _CORE + "PersistentVolumeClaimList",
    _CORE + "PodTemplateList",
    _APPS + "DeploymentList",
    _APPS + "ReplicaSetList",
    _APPS + "DaemonSetList",
    _APPS + "StatefulSetList",
    _APPS + "ControllerRevisionList",
    "io.k8s.api.batch.v1.JobList",
    "io.k8s.api.batch.v1.CronJobList",
    "io.k8s.api.coordination.v1.LeaseList",
    "io.k8s.api.discovery.v1.EndpointSliceList",
    "io.k8s.api.events.v1.EventList",
    "io.k8s.api.policy.v1.PodDisruptionBudgetList",
    "io.k8s.api.rbac.v1.RoleList",
    "io.k8s.api.rbac.v1.ClusterRoleList",
    "io.k8s.api.rbac.v1.RoleBindingList",
    "io.k8s.api.rbac.v1.ClusterRoleBindingList",
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerList",
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerList",
    "io.k8s.api.scheduling.v1.PriorityClassList",
    "io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetricsList",
    "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetricsList",
)
_HPA1 = "io.k8s.api.autoscaling.v1."
_HPA2 = "io.k8s.api.autoscaling.v2."
_METRICS = "io.k8s.metrics.pkg.apis.metrics.v1beta1."

#: ``{schema name: required JSON fields}``
REQUIRED: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        **{name: ("items",) for name in _LISTS},
        # autoscaling, scheduling, metrics
        _HPA1 + "CrossVersionObjectReference": ("kind", "name"),
        _HPA1 + "HorizontalPodAutoscalerSpec": ("scaleTargetRef", "maxReplicas"),
        _HPA1 + "HorizontalPodAutoscalerStatus": ("currentReplicas", "desiredReplicas"),
        _HPA2 + "CrossVersionObjectReference": ("kind", "name"),
        _HPA2 + "HorizontalPodAutoscalerSpec": ("scaleTargetRef", "maxReplicas"),
        _HPA2 + "HorizontalPodAutoscalerStatus": ("desiredReplicas",),
        _HPA2 + "HorizontalPodAutoscalerCondition": ("type", "status"),
        _HPA2 + "HPAScalingPolicy": ("type", "value", "periodSeconds"),
        _HPA2 + "MetricSpec": ("type",),
        _HPA2 + "MetricStatus": ("type",),
        _HPA2 + "MetricTarget": ("type",),
        _HPA2 + "MetricIdentifier": ("name",),
        _HPA2 + "ResourceMetricSource": ("name", "target"),
        _HPA2 + "ContainerResourceMetricSource": ("name", "target", "container"),
        _HPA2 + "PodsMetricSource": ("metric", "target"),
        _HPA2 + "ObjectMetricSource": ("describedObject", "target", "metric"),
        _HPA2 + "ExternalMetricSource": ("metric", "target"),
        _HPA2 + "ResourceMetricStatus": ("name", "current"),
        _HPA2 + "ContainerResourceMetricStatus": ("name", "current", "container"),
        _HPA2 + "PodsMetricStatus": ("metric", "current"),
        _HPA2 + "ObjectMetricStatus": ("metric", "current", "describedObject"),
        _HPA2 + "ExternalMetricStatus": ("metric", "current"),
        "io.k8s.api.scheduling.v1.PriorityClass": ("value",),
        _METRICS + "NodeMetrics": ("timestamp", "window", "usage"),
        _METRICS + "PodMetrics": ("timestamp", "window", "containers"),
        _METRICS + "ContainerMetrics": ("name", "usage"),
        # meta/v1
        _META + "OwnerReference": ("apiVersion", "kind", "name", "uid"),
        _META + "LabelSelectorRequirement": ("key", "operator"),
        _META + "Condition": ("type", "status", "lastTransitionTime", "reason", "message"),
        # core/v1: pods and containers
        _CORE + "PodSpec": ("containers",),
        _CORE + "Container": ("name",),
        _CORE + "EphemeralContainer": ("name",),
        _CORE + "ContainerPort": ("containerPort",),
        _CORE + "EnvVar": ("name",),
        _CORE + "VolumeMount": ("name", "mountPath"),
        _CORE + "VolumeDevice": ("name", "devicePath"),
        _CORE + "Volume": ("name",),
        _CORE + "KeyToPath": ("key", "path"),
        _CORE + "ConfigMapKeySelector": ("key",),
        _CORE + "SecretKeySelector": ("key",),
        _CORE + "ObjectFieldSelector": ("fieldPath",),
        _CORE + "ResourceFieldSelector": ("resource",),
        _CORE + "HTTPGetAction": ("port",),
        _CORE + "HTTPHeader": ("name", "value"),
        _CORE + "TCPSocketAction": ("port",),
        _CORE + "GRPCAction": ("port",),
        _CORE + "SleepAction": ("seconds",),
        _CORE + "Sysctl": ("name", "value"),
        _CORE + "SeccompProfile": ("type",),
        _CORE + "AppArmorProfile": ("type",),
        _CORE + "ContainerResizePolicy": ("resourceName", "restartPolicy"),
        _CORE + "PodReadinessGate": ("conditionType",),
        _CORE + "PodSchedulingGate": ("name",),
        _CORE + "PodResourceClaim": ("name",),
        _CORE + "PodOS": ("name",),
        _CORE + "PodIP": ("ip",),
        _CORE + "HostIP": ("ip",),
        _CORE + "PodCondition": _TYPE_STATUS,
        _CORE + "ContainerStatus": ("name", "ready", "restartCount", "image", "imageID"),
        _CORE + "ContainerStateTerminated": ("exitCode",),
        _CORE + "DownwardAPIVolumeFile": ("path",),
        _CORE + "HostPathVolumeSource": ("path",),
        _CORE + "NFSVolumeSource": ("server", "path"),
        _CORE + "PersistentVolumeClaimVolumeSource": ("claimName",),
        _CORE + "ServiceAccountTokenProjection": ("path",),
        _CORE + "CSIVolumeSource": ("driver",),
        # core/v1: scheduling
        _CORE + "Taint": ("key", "effect"),
        _CORE + "NodeSelector": ("nodeSelectorTerms",),
        _CORE + "NodeSelectorRequirement": ("key", "operator"),
        _CORE + "PreferredSchedulingTerm": ("weight", "preference"),
        _CORE + "PodAffinityTerm": ("topologyKey",),
        _CORE + "WeightedPodAffinityTerm": ("weight", "podAffinityTerm"),
        _CORE + "TopologySpreadConstraint": ("maxSkew", "topologyKey", "whenUnsatisfiable"),
        # core/v1: nodes, services, events, the rest
        _CORE + "NodeCondition": _TYPE_STATUS,
        _CORE + "NodeAddress": ("type", "address"),
        _CORE + "DaemonEndpoint": ("Port",),
        _CORE + "NodeSystemInfo": (
            "machineID",
            "systemUUID",
            "bootID",
            "kernelVersion",
            "osImage",
            "containerRuntimeVersion",
            "kubeletVersion",
            "kubeProxyVersion",
            "operatingSystem",
            "architecture",
        ),
        _CORE + "AttachedVolume": ("name", "devicePath"),
        _CORE + "NamespaceCondition": _TYPE_STATUS,
        _CORE + "ServicePort": ("port",),
        _CORE + "PortStatus": ("port", "protocol"),
        _CORE + "EndpointAddress": ("ip",),
        _CORE + "EndpointPort": ("port",),
        _CORE + "Event": ("metadata", "involvedObject"),
        _CORE + "Binding": ("target",),
        _CORE + "PersistentVolumeClaimCondition": _TYPE_STATUS,
        _CORE + "PersistentVolumeClaimTemplate": ("spec",),
        _CORE + "TypedLocalObjectReference": ("kind", "name"),
        _CORE + "TypedObjectReference": ("kind", "name"),
        # apps/v1
        _APPS + "DeploymentSpec": ("selector", "template"),
        _APPS + "DeploymentCondition": _TYPE_STATUS,
        _APPS + "ReplicaSetSpec": ("selector",),
        _APPS + "ReplicaSetStatus": ("replicas",),
        _APPS + "ReplicaSetCondition": _TYPE_STATUS,
        _APPS + "DaemonSetSpec": ("selector", "template"),
        _APPS + "DaemonSetStatus": (
            "currentNumberScheduled",
            "numberMisscheduled",
            "desiredNumberScheduled",
            "numberReady",
        ),
        _APPS + "DaemonSetCondition": _TYPE_STATUS,
        _APPS + "StatefulSetSpec": ("selector", "template"),
        _APPS + "StatefulSetStatus": ("replicas",),
        _APPS + "StatefulSetCondition": _TYPE_STATUS,
        _APPS + "ControllerRevision": ("revision",),
        # batch/v1
        "io.k8s.api.batch.v1.JobSpec": ("template",),
        "io.k8s.api.batch.v1.JobCondition": _TYPE_STATUS,
        "io.k8s.api.batch.v1.CronJobSpec": ("schedule", "jobTemplate"),
        # discovery, events, rbac
        "io.k8s.api.discovery.v1.EndpointSlice": ("addressType", "endpoints"),
        "io.k8s.api.discovery.v1.Endpoint": ("addresses",),
        "io.k8s.api.events.v1.Event": ("eventTime",),
        "io.k8s.api.rbac.v1.PolicyRule": ("verbs",),
        "io.k8s.api.rbac.v1.Subject": ("kind", "name"),
        "io.k8s.api.rbac.v1.RoleRef": ("apiGroup", "kind", "name"),
        "io.k8s.api.rbac.v1.RoleBinding": ("roleRef",),
        "io.k8s.api.rbac.v1.ClusterRoleBinding": ("roleRef",),
    }
)
