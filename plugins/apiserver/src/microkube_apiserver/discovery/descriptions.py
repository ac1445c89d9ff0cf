"""Short descriptions for the OpenAPI schemas, where the models carry no docstring or comment.

``kubectl explain`` prints these. They are microkube's own short factual sentences about the
fields users look up most (pods, containers, deployments, services, object metadata); every
other field still gets its type, plus its source comment when the model has one.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["COMMON_FIELDS", "FIELD_DESCRIPTIONS", "TYPE_DESCRIPTIONS"]

_CORE = "io.k8s.api.core.v1."
_APPS = "io.k8s.api.apps.v1."
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."

#: Fields every top-level kind (and list) shares.
COMMON_FIELDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "apiVersion": "The versioned schema of this object, e.g. v1 or apps/v1.",
        "kind": "The type of this object, in CamelCase, e.g. Pod. Cannot be updated.",
        "metadata": "Standard object metadata: name, namespace, labels, annotations, ...",
        "spec": "The desired state of the object, written by its user.",
        "status": "The most recently observed state of the object. Read-only; "
        "written by the system.",
        "items": "The objects of this list.",
    }
)

TYPE_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler": "HorizontalPodAutoscaler scales "
        "a workload's replicas (through its scale subresource) to keep metrics at targets.",
        "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler": "HorizontalPodAutoscaler (v1) "
        "scales a workload's replicas on average CPU utilization.",
        "io.k8s.api.autoscaling.v2.MetricSpec": "One metric to scale on: its source type and "
        "the target value.",
        "io.k8s.api.scheduling.v1.PriorityClass": "PriorityClass maps a name to the integer "
        "priority pods naming it receive; higher priority pods are scheduled first and may "
        "preempt lower ones.",
        "io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics": "NodeMetrics is the resource "
        "usage (cpu, memory) of a node, as its kubelet last reported it.",
        "io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics": "PodMetrics is the resource "
        "usage (cpu, memory) of each container of a pod, as its kubelet last reported it.",
        _CORE + "Pod": "Pod is a group of containers that share network and storage and are "
        "scheduled together onto one node.",
        _CORE + "PodSpec": "PodSpec is the description of a pod: its containers, volumes and "
        "scheduling constraints.",
        _CORE + "Container": "A single application container that runs within a pod.",
        _CORE + "ContainerPort": "A network port of a single container.",
        _CORE + "EnvVar": "An environment variable of a container.",
        _CORE + "VolumeMount": "Where a volume is mounted inside a container.",
        _CORE + "ResourceRequirements": "Compute resources a container requests and is limited to.",
        _CORE + "Probe": "A health check the kubelet runs against a container.",
        _CORE + "Node": "Node is a worker machine of the cluster, with its own kubelet.",
        _CORE + "Namespace": "Namespace scopes names of the objects in it.",
        _CORE + "Service": "Service is a stable name and virtual IP in front of a set of pods "
        "chosen by a label selector.",
        _CORE + "ServiceSpec": "ServiceSpec is the desired behaviour of a service.",
        _CORE + "ServicePort": "One port a service exposes.",
        _CORE + "Endpoints": "Endpoints lists the addresses and ports behind a service.",
        _CORE + "ConfigMap": "ConfigMap holds non-confidential configuration data for pods.",
        _CORE + "Secret": "Secret holds confidential data such as passwords and keys.",
        _CORE + "ServiceAccount": "ServiceAccount is an identity for processes in pods.",
        _CORE + "Event": "Event is a report of something that happened in the cluster.",
        _CORE + "Binding": "Binding ties a pod to a node; the scheduler creates it.",
        _CORE + "PersistentVolume": "PersistentVolume is a piece of storage provisioned in "
        "the cluster.",
        _CORE + "PersistentVolumeClaim": "PersistentVolumeClaim is a user's request for storage.",
        _CORE + "PodTemplateSpec": "PodTemplateSpec describes the pods a workload creates.",
        _APPS + "Deployment": "Deployment declares replicated pods and rolls out changes to "
        "them through replica sets.",
        _APPS + "DeploymentSpec": "DeploymentSpec is the desired behaviour of a deployment.",
        _APPS + "DeploymentStrategy": "DeploymentStrategy describes how to replace existing "
        "pods with new ones.",
        _APPS + "RollingUpdateDeployment": "Parameters of the RollingUpdate strategy.",
        _APPS + "ReplicaSet": "ReplicaSet keeps a given number of pod replicas running.",
        _APPS + "DaemonSet": "DaemonSet runs one pod on every eligible node.",
        _APPS + "StatefulSet": "StatefulSet runs pods with stable identities and storage.",
        _APPS + "ControllerRevision": "ControllerRevision is an immutable snapshot of a "
        "workload's template, used for rollbacks.",
        "io.k8s.api.batch.v1.Job": "Job runs pods until a number of them complete.",
        "io.k8s.api.batch.v1.CronJob": "CronJob creates jobs on a schedule.",
        "io.k8s.api.coordination.v1.Lease": "Lease is a lock with a holder and a renewal "
        "time (leader election, node heartbeats).",
        "io.k8s.api.discovery.v1.EndpointSlice": "EndpointSlice is a subset of the endpoints "
        "of a service.",
        "io.k8s.api.events.v1.Event": "Event is a report of something that happened in the "
        "cluster.",
        "io.k8s.api.policy.v1.PodDisruptionBudget": "PodDisruptionBudget limits how many pods "
        "of a set may be down at once through voluntary disruptions.",
        "io.k8s.api.policy.v1.Eviction": "Eviction asks to delete a pod while honouring "
        "disruption budgets.",
        "io.k8s.api.autoscaling.v1.Scale": "Scale is the replica count of a scalable resource.",
        "io.k8s.api.rbac.v1.Role": "Role is a namespaced set of permissions.",
        "io.k8s.api.rbac.v1.ClusterRole": "ClusterRole is a cluster-wide set of permissions.",
        "io.k8s.api.rbac.v1.RoleBinding": "RoleBinding grants a role to subjects in a namespace.",
        "io.k8s.api.rbac.v1.ClusterRoleBinding": "ClusterRoleBinding grants a cluster role "
        "to subjects everywhere.",
        _META + "ObjectMeta": "Metadata every persisted object has.",
        _META + "LabelSelector": "A label query: matchLabels and matchExpressions, ANDed.",
        _META + "Time": "A timestamp in RFC 3339 form, with second precision.",
        _META + "MicroTime": "A timestamp in RFC 3339 form, with microsecond precision.",
        "io.k8s.apimachinery.pkg.api.resource.Quantity": "A fixed-point number with an "
        "optional suffix: 100m, 1.5, 128Mi, 1G.",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "Either an integer or a string "
        "(a port number or name, a count or a percentage).",
    }
)

_CONTAINER = {
    "name": "Name of the container, unique within the pod (a DNS label). Cannot be updated.",
    "image": "Container image name, e.g. nginx:1.27.",
    "command": "Entrypoint array, run without a shell. Replaces the image's ENTRYPOINT.",
    "args": "Arguments to the entrypoint. Replace the image's CMD.",
    "workingDir": "Working directory of the container; the image's default if unset.",
    "ports": "Ports the container exposes. Informational: any port the process listens "
    "on is reachable.",
    "env": "Environment variables to set in the container.",
    "envFrom": "Sources (config maps, secrets) whose keys become environment variables.",
    "resources": "Compute resources the container requests and is limited to.",
    "restartPolicy": "Restart behaviour of this container; only Always is allowed, on init "
    "containers, making them sidecars.",
    "volumeMounts": "Pod volumes to mount into the container's filesystem.",
    "volumeDevices": "Block devices the container uses.",
    "livenessProbe": "Periodic probe of container liveness; the container is restarted "
    "when it fails.",
    "readinessProbe": "Periodic probe of container readiness; the pod leaves service "
    "endpoints when it fails.",
    "startupProbe": "Probe that must succeed before the other probes start.",
    "lifecycle": "Actions run after the container starts and before it stops.",
    "terminationMessagePath": "File whose content becomes the container's termination "
    "message. Defaults to /dev/termination-log.",
    "terminationMessagePolicy": "How the termination message is filled: File or "
    "FallbackToLogsOnError.",
    "imagePullPolicy": "Always, Never or IfNotPresent. Defaults to Always for the :latest "
    "tag, IfNotPresent otherwise.",
    "securityContext": "Security options of the container, overriding the pod's.",
    "stdin": "Whether the container allocates a buffer for stdin.",
    "stdinOnce": "Whether stdin is closed after the first attach session ends.",
    "tty": "Whether the container allocates a TTY.",
}

FIELD_DESCRIPTIONS: MappingProxyType[str, dict[str, str]] = MappingProxyType(
    {
        _META + "ObjectMeta": {
            "name": "Name of the object, unique within its namespace and kind.",
            "generateName": "Prefix for a server-generated name, used when name is empty.",
            "namespace": "Namespace of the object; empty for cluster-scoped kinds.",
            "uid": "Unique id of this object, set by the server. Read-only.",
            "resourceVersion": "Opaque version of the object, for optimistic concurrency "
            "and watches. Read-only.",
            "generation": "Sequence number of the desired state, bumped on spec changes. "
            "Read-only.",
            "creationTimestamp": "When the object was created. Read-only.",
            "deletionTimestamp": "When the object will be deleted; set by a graceful "
            "delete. Read-only.",
            "deletionGracePeriodSeconds": "Seconds allowed for graceful termination before "
            "removal.",
            "labels": "Key/value pairs for organising and selecting objects.",
            "annotations": "Key/value pairs of non-identifying metadata for tools.",
            "ownerReferences": "Objects this object depends on; it is garbage-collected "
            "when they are gone.",
            "finalizers": "Names that must each be removed before the object is deleted.",
            "managedFields": "Which field manager owns which fields (server-side apply).",
        },
        _CORE + "PodSpec": {
            "containers": "List of containers belonging to the pod. At least one; cannot "
            "be added or removed later.",
            "initContainers": "Containers run in order to completion before the app "
            "containers start.",
            "ephemeralContainers": "Debugging containers added to a running pod.",
            "volumes": "Volumes the pod's containers can mount.",
            "restartPolicy": "Restart policy of the pod's containers: Always, OnFailure or "
            "Never. Defaults to Always.",
            "terminationGracePeriodSeconds": "Seconds the pod is given to stop gracefully. "
            "Defaults to 30.",
            "nodeSelector": "Labels a node must have for the pod to be scheduled onto it.",
            "nodeName": "The node the pod is bound to; set by the scheduler.",
            "serviceAccountName": "Name of the service account the pod runs as.",
            "hostNetwork": "Whether the pod uses the node's network namespace.",
            "affinity": "Scheduling constraints relative to nodes and other pods.",
            "tolerations": "Taints the pod tolerates.",
            "schedulerName": "The scheduler that schedules the pod.",
            "dnsPolicy": "How the pod's DNS is configured. Defaults to ClusterFirst.",
            "hostname": "Hostname of the pod; defaults to the pod's name.",
            "priorityClassName": "Name of the pod's priority class.",
            "imagePullSecrets": "Secrets used to pull the pod's images.",
        },
        _CORE + "Container": _CONTAINER,
        _CORE + "EphemeralContainer": {
            **_CONTAINER,
            "targetContainerName": "The container whose namespaces this one shares.",
        },
        _CORE + "ContainerPort": {
            "containerPort": "Port number on the pod's IP address (1-65535).",
            "name": "Name of the port, unique in the pod; services may refer to it.",
            "protocol": "TCP, UDP or SCTP. Defaults to TCP.",
            "hostPort": "Port to expose on the node for this container port.",
            "hostIP": "Node IP to bind the host port to.",
        },
        _CORE + "EnvVar": {
            "name": "Name of the variable.",
            "value": "Value of the variable; $(VAR) references are expanded.",
            "valueFrom": "Source of the value when value is not given.",
        },
        _CORE + "VolumeMount": {
            "name": "Name of the pod volume to mount.",
            "mountPath": "Path inside the container where the volume is mounted.",
            "readOnly": "Mount read-only. Defaults to false.",
            "subPath": "Path within the volume to mount instead of its root.",
        },
        _CORE + "ResourceRequirements": {
            "limits": "Maximum amount of each compute resource.",
            "requests": "Minimum amount of each compute resource; used for scheduling.",
        },
        _CORE + "ServiceSpec": {
            "ports": "Ports the service exposes.",
            "selector": "Pods with these labels receive the service's traffic.",
            "type": "ClusterIP, NodePort, LoadBalancer or ExternalName. Defaults to ClusterIP.",
            "clusterIP": "Virtual IP of the service, allocated by the server unless given.",
        },
        _CORE + "ServicePort": {
            "port": "Port the service listens on.",
            "targetPort": "Port number or name on the pods. Defaults to port.",
            "protocol": "TCP, UDP or SCTP. Defaults to TCP.",
            "nodePort": "Port on every node, for NodePort and LoadBalancer services.",
            "name": "Name of the port, required when there are several.",
        },
        _CORE + "ConfigMap": {
            "data": "Configuration data as UTF-8 strings, by key.",
            "binaryData": "Binary configuration data, base64-encoded, by key.",
            "immutable": "If true, the data cannot be changed once set.",
        },
        _CORE + "Secret": {
            "data": "Secret data, base64-encoded, by key.",
            "stringData": "Write-only plain-text data, merged into data on write.",
            "type": "Used to facilitate programmatic handling of secret data: Opaque, "
            "kubernetes.io/tls, kubernetes.io/dockerconfigjson, ...",
        },
        _CORE + "DaemonEndpoint": {"Port": "Port number of the endpoint."},
        _META + "ManagedFieldsEntry": {
            "fieldsV1": "The fields this manager owns, as a trie of field paths.",
        },
        _APPS + "DeploymentSpec": {
            "replicas": "Number of desired pods. Defaults to 1.",
            "selector": "Label selector of the pods managed; must match the template's labels.",
            "template": "Template of the pods the deployment creates.",
            "strategy": "How existing pods are replaced by new ones.",
            "minReadySeconds": "Seconds a new pod must be ready before it counts as available.",
            "revisionHistoryLimit": "Number of old replica sets kept for rollback. Defaults to 10.",
            "paused": "Whether the deployment is paused.",
            "progressDeadlineSeconds": "Seconds before a stalled rollout is reported as "
            "failed. Defaults to 600.",
        },
        _APPS + "DeploymentStrategy": {
            "type": 'Type of deployment: "Recreate" or "RollingUpdate". Defaults to RollingUpdate.',
            "rollingUpdate": "Rolling update parameters; only with type RollingUpdate.",
        },
        _APPS + "RollingUpdateDeployment": {
            "maxUnavailable": "Pods that may be unavailable during the update: a number or "
            "a percentage. Defaults to 25%.",
            "maxSurge": "Pods that may be created above the desired number: a number or a "
            "percentage. Defaults to 25%.",
        },
    }
)
