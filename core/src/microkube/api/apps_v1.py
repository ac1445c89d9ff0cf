"""apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision (Kubernetes 1.32)."""

from __future__ import annotations

from typing import Any

from microkube.api._base import field, model
from microkube.api.core_v1 import PersistentVolumeClaim, PodTemplateSpec
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta, Time

GROUP_VERSION = "apps/v1"

# --- Deployment ---------------------------------------------------------------------------


@model
class RollingUpdateDeployment:
    max_unavailable: IntOrString | None = field()
    max_surge: IntOrString | None = field()


@model
class DeploymentStrategy:
    type: str | None = field()  # "RollingUpdate" (default) or "Recreate"
    rolling_update: RollingUpdateDeployment | None = field()


@model
class DeploymentSpec:
    replicas: int | None = field()
    selector: LabelSelector | None = field()
    template: PodTemplateSpec | None = field()
    strategy: DeploymentStrategy | None = field()
    min_ready_seconds: int | None = field()
    revision_history_limit: int | None = field()
    paused: bool | None = field()
    progress_deadline_seconds: int | None = field()


@model
class DeploymentCondition:
    type: str | None = field()
    status: str | None = field()
    last_update_time: Time | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class DeploymentStatus:
    observed_generation: int | None = field()
    replicas: int | None = field()
    updated_replicas: int | None = field()
    ready_replicas: int | None = field()
    available_replicas: int | None = field()
    unavailable_replicas: int | None = field()
    conditions: list[DeploymentCondition] | None = field()
    collision_count: int | None = field()


@model
class Deployment:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Deployment")
    metadata: ObjectMeta | None = field()
    spec: DeploymentSpec | None = field()
    status: DeploymentStatus | None = field()


@model
class DeploymentList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="DeploymentList")
    metadata: ListMeta | None = field()
    items: list[Deployment] | None = field()


# --- ReplicaSet ---------------------------------------------------------------------------


@model
class ReplicaSetSpec:
    replicas: int | None = field()
    min_ready_seconds: int | None = field()
    selector: LabelSelector | None = field()
    template: PodTemplateSpec | None = field()


@model
class ReplicaSetCondition:
    type: str | None = field()
    status: str | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class ReplicaSetStatus:
    replicas: int | None = field()
    fully_labeled_replicas: int | None = field()
    ready_replicas: int | None = field()
    available_replicas: int | None = field()
    observed_generation: int | None = field()
    conditions: list[ReplicaSetCondition] | None = field()


@model
class ReplicaSet:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ReplicaSet")
    metadata: ObjectMeta | None = field()
    spec: ReplicaSetSpec | None = field()
    status: ReplicaSetStatus | None = field()


@model
class ReplicaSetList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ReplicaSetList")
    metadata: ListMeta | None = field()
    items: list[ReplicaSet] | None = field()


# --- DaemonSet ----------------------------------------------------------------------------


@model
class RollingUpdateDaemonSet:
    max_unavailable: IntOrString | None = field()
    max_surge: IntOrString | None = field()


@model
class DaemonSetUpdateStrategy:
    type: str | None = field()  # "RollingUpdate" (default) or "OnDelete"
    rolling_update: RollingUpdateDaemonSet | None = field()


@model
class DaemonSetSpec:
    selector: LabelSelector | None = field()
    template: PodTemplateSpec | None = field()
    update_strategy: DaemonSetUpdateStrategy | None = field()
    min_ready_seconds: int | None = field()
    revision_history_limit: int | None = field()


@model
class DaemonSetCondition:
    type: str | None = field()
    status: str | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class DaemonSetStatus:
    current_number_scheduled: int | None = field()
    number_misscheduled: int | None = field()
    desired_number_scheduled: int | None = field()
    number_ready: int | None = field()
    observed_generation: int | None = field()
    updated_number_scheduled: int | None = field()
    number_available: int | None = field()
    number_unavailable: int | None = field()
    collision_count: int | None = field()
    conditions: list[DaemonSetCondition] | None = field()


@model
class DaemonSet:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="DaemonSet")
    metadata: ObjectMeta | None = field()
    spec: DaemonSetSpec | None = field()
    status: DaemonSetStatus | None = field()


@model
class DaemonSetList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="DaemonSetList")
    metadata: ListMeta | None = field()
    items: list[DaemonSet] | None = field()


# --- StatefulSet --------------------------------------------------------------------------


@model
class RollingUpdateStatefulSetStrategy:
    partition: int | None = field()
    max_unavailable: IntOrString | None = field()


@model
class StatefulSetUpdateStrategy:
    type: str | None = field()  # "RollingUpdate" (default) or "OnDelete"
    rolling_update: RollingUpdateStatefulSetStrategy | None = field()


@model
class StatefulSetPersistentVolumeClaimRetentionPolicy:
    when_deleted: str | None = field()  # "Retain" (default) or "Delete"
    when_scaled: str | None = field()


@model
class StatefulSetOrdinals:
    start: int | None = field()


@model
class StatefulSetSpec:
    replicas: int | None = field()
    selector: LabelSelector | None = field()
    template: PodTemplateSpec | None = field()
    volume_claim_templates: list[PersistentVolumeClaim] | None = field()
    service_name: str | None = field()
    pod_management_policy: str | None = field()  # "OrderedReady" (default) or "Parallel"
    update_strategy: StatefulSetUpdateStrategy | None = field()
    revision_history_limit: int | None = field()
    min_ready_seconds: int | None = field()
    persistent_volume_claim_retention_policy: (
        StatefulSetPersistentVolumeClaimRetentionPolicy | None
    ) = field()
    ordinals: StatefulSetOrdinals | None = field()


@model
class StatefulSetCondition:
    type: str | None = field()
    status: str | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class StatefulSetStatus:
    observed_generation: int | None = field()
    replicas: int | None = field()
    ready_replicas: int | None = field()
    current_replicas: int | None = field()
    updated_replicas: int | None = field()
    current_revision: str | None = field()
    update_revision: str | None = field()
    collision_count: int | None = field()
    conditions: list[StatefulSetCondition] | None = field()
    available_replicas: int | None = field()


@model
class StatefulSet:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="StatefulSet")
    metadata: ObjectMeta | None = field()
    spec: StatefulSetSpec | None = field()
    status: StatefulSetStatus | None = field()


@model
class StatefulSetList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="StatefulSetList")
    metadata: ListMeta | None = field()
    items: list[StatefulSet] | None = field()


# --- ControllerRevision -------------------------------------------------------------------


@model
class ControllerRevision:
    """An immutable snapshot of a DaemonSet's or StatefulSet's template.

    ``data`` is a ``runtime.RawExtension``: any JSON object, kept as the controller wrote it.
    """

    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ControllerRevision")
    metadata: ObjectMeta | None = field()
    data: dict[str, Any] | None = field()
    revision: int | None = field()


@model
class ControllerRevisionList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ControllerRevisionList")
    metadata: ListMeta | None = field()
    items: list[ControllerRevision] | None = field()


KINDS: tuple[type, ...] = (
    Deployment,
    DeploymentList,
    ReplicaSet,
    ReplicaSetList,
    DaemonSet,
    DaemonSetList,
    StatefulSet,
    StatefulSetList,
    ControllerRevision,
    ControllerRevisionList,
)
