"""core/v1 Pod: PodSpec, PodStatus, PodTemplateSpec, PodTemplate and Binding."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1_common import LocalObjectReference, ObjectReference, ResourceRequirements
from microkube.api.core_v1_container import Container, EphemeralContainer, PodSecurityContext
from microkube.api.core_v1_scheduling import Affinity, Toleration, TopologySpreadConstraint
from microkube.api.core_v1_volume import Volume
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Time
from microkube.api.quantity import Quantity

GROUP_VERSION = "v1"

# --- spec -------------------------------------------------------------------------------------


@model
class HostAlias:
    ip: str | None = field()
    hostnames: list[str] | None = field()


@model
class PodDNSConfigOption:
    name: str | None = field()
    value: str | None = field()


@model
class PodDNSConfig:
    nameservers: list[str] | None = field()
    searches: list[str] | None = field()
    options: list[PodDNSConfigOption] | None = field()


@model
class PodReadinessGate:
    condition_type: str | None = field()


@model
class PodOS:
    name: str | None = field()  # linux, windows


@model
class PodSchedulingGate:
    name: str | None = field()


@model
class PodResourceClaim:
    name: str | None = field()
    resource_claim_name: str | None = field()
    resource_claim_template_name: str | None = field()


@model
class PodSpec:
    volumes: list[Volume] | None = field()
    init_containers: list[Container] | None = field()
    containers: list[Container] | None = field()
    ephemeral_containers: list[EphemeralContainer] | None = field()
    restart_policy: str | None = field()  # Always, OnFailure, Never
    termination_grace_period_seconds: int | None = field()
    active_deadline_seconds: int | None = field()
    dns_policy: str | None = field()  # ClusterFirst, ClusterFirstWithHostNet, Default, None
    node_selector: dict[str, str] | None = field()
    service_account_name: str | None = field()
    service_account: str | None = field()  # deprecated alias of serviceAccountName
    automount_service_account_token: bool | None = field()
    node_name: str | None = field()
    host_network: bool | None = field()
    host_pid: bool | None = field(json="hostPID")
    host_ipc: bool | None = field(json="hostIPC")
    share_process_namespace: bool | None = field()
    security_context: PodSecurityContext | None = field()
    image_pull_secrets: list[LocalObjectReference] | None = field()
    hostname: str | None = field()
    subdomain: str | None = field()
    affinity: Affinity | None = field()
    scheduler_name: str | None = field()
    tolerations: list[Toleration] | None = field()
    host_aliases: list[HostAlias] | None = field()
    priority_class_name: str | None = field()
    priority: int | None = field()
    dns_config: PodDNSConfig | None = field()
    readiness_gates: list[PodReadinessGate] | None = field()
    runtime_class_name: str | None = field()
    enable_service_links: bool | None = field()
    preemption_policy: str | None = field()
    overhead: dict[str, Quantity] | None = field()
    topology_spread_constraints: list[TopologySpreadConstraint] | None = field()
    set_hostname_as_fqdn: bool | None = field(json="setHostnameAsFQDN")
    os: PodOS | None = field()
    host_users: bool | None = field()
    scheduling_gates: list[PodSchedulingGate] | None = field()
    resource_claims: list[PodResourceClaim] | None = field()
    resources: ResourceRequirements | None = field()


# --- status -----------------------------------------------------------------------------------


@model
class PodCondition:
    type: str | None = field()  # PodScheduled, Initialized, ContainersReady, Ready, ...
    status: str | None = field()
    last_probe_time: Time | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class ContainerStateWaiting:
    reason: str | None = field()
    message: str | None = field()


@model
class ContainerStateRunning:
    started_at: Time | None = field()


@model
class ContainerStateTerminated:
    exit_code: int | None = field()
    signal: int | None = field()
    reason: str | None = field()
    message: str | None = field()
    started_at: Time | None = field()
    finished_at: Time | None = field()
    container_id: str | None = field(json="containerID")


@model
class ContainerState:
    waiting: ContainerStateWaiting | None = field()
    running: ContainerStateRunning | None = field()
    terminated: ContainerStateTerminated | None = field()


@model
class VolumeMountStatus:
    name: str | None = field()
    mount_path: str | None = field()
    read_only: bool | None = field()
    recursive_read_only: str | None = field()


@model
class LinuxContainerUser:
    uid: int | None = field()
    gid: int | None = field()
    supplemental_groups: list[int] | None = field()


@model
class ContainerUser:
    linux: LinuxContainerUser | None = field()


@model
class ResourceHealth:
    resource_id: str | None = field(json="resourceID")
    health: str | None = field()


@model
class ResourceStatus:
    name: str | None = field()
    resources: list[ResourceHealth] | None = field()


@model
class ContainerStatus:
    name: str | None = field()
    state: ContainerState | None = field()
    last_state: ContainerState | None = field()
    ready: bool | None = field()
    restart_count: int | None = field()
    image: str | None = field()
    image_id: str | None = field(json="imageID")
    container_id: str | None = field(json="containerID")
    started: bool | None = field()
    allocated_resources: dict[str, Quantity] | None = field()
    resources: ResourceRequirements | None = field()
    volume_mounts: list[VolumeMountStatus] | None = field()
    user: ContainerUser | None = field()
    allocated_resources_status: list[ResourceStatus] | None = field()


@model
class HostIP:
    ip: str | None = field()


@model
class PodIP:
    ip: str | None = field()


@model
class PodResourceClaimStatus:
    name: str | None = field()
    resource_claim_name: str | None = field()


@model
class PodStatus:
    phase: str | None = field()  # Pending, Running, Succeeded, Failed, Unknown
    conditions: list[PodCondition] | None = field()
    message: str | None = field()
    reason: str | None = field()
    nominated_node_name: str | None = field()
    host_ip: str | None = field(json="hostIP")
    host_ips: list[HostIP] | None = field(json="hostIPs")
    pod_ip: str | None = field(json="podIP")
    pod_ips: list[PodIP] | None = field(json="podIPs")
    start_time: Time | None = field()
    init_container_statuses: list[ContainerStatus] | None = field()
    container_statuses: list[ContainerStatus] | None = field()
    qos_class: str | None = field()  # Guaranteed, Burstable, BestEffort
    ephemeral_container_statuses: list[ContainerStatus] | None = field()
    resize: str | None = field()
    resource_claim_statuses: list[PodResourceClaimStatus] | None = field()


# --- kinds ------------------------------------------------------------------------------------


@model
class Pod:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Pod")
    metadata: ObjectMeta | None = field()
    spec: PodSpec | None = field()
    status: PodStatus | None = field()


@model
class PodList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodList")
    metadata: ListMeta | None = field()
    items: list[Pod] | None = field()


@model
class PodTemplateSpec:
    """The pod a workload controller stamps out (Deployment, Job, DaemonSet ``.spec.template``)."""

    metadata: ObjectMeta | None = field()
    spec: PodSpec | None = field()


@model
class PodTemplate:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodTemplate")
    metadata: ObjectMeta | None = field()
    template: PodTemplateSpec | None = field()


@model
class PodTemplateList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodTemplateList")
    metadata: ListMeta | None = field()
    items: list[PodTemplate] | None = field()


@model
class Binding:
    """The body of ``POST pods/<name>/binding``: the scheduler assigning a pod to a node."""

    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Binding")
    metadata: ObjectMeta | None = field()
    target: ObjectReference | None = field()
