"""core/v1 volumes: pod volume sources, PersistentVolumeClaim and PersistentVolume.

The legacy in-tree volume plugins (gcePersistentDisk, awsElasticBlockStore, rbd, cinder, ...)
are kept as raw JSON objects: they round-trip unchanged, but nothing here interprets them.
"""

from __future__ import annotations

from typing import Any

from microkube.api._base import field, model
from microkube.api.core_v1_common import (
    KeyToPath,
    LocalObjectReference,
    ObjectFieldSelector,
    ObjectReference,
    ResourceFieldSelector,
    SecretReference,
    TypedLocalObjectReference,
    TypedObjectReference,
    VolumeResourceRequirements,
)
from microkube.api.core_v1_scheduling import NodeSelector
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta, Time
from microkube.api.quantity import Quantity

GROUP_VERSION = "v1"

# --- volume sources ---------------------------------------------------------------------------


@model
class HostPathVolumeSource:
    path: str | None = field()
    type: str | None = field()  # "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, ...


@model
class EmptyDirVolumeSource:
    medium: str | None = field()  # "" (node disk) or "Memory" (tmpfs)
    size_limit: Quantity | None = field()


@model
class SecretVolumeSource:
    secret_name: str | None = field()
    items: list[KeyToPath] | None = field()
    default_mode: int | None = field()
    optional: bool | None = field()


@model
class ConfigMapVolumeSource:
    name: str | None = field()
    items: list[KeyToPath] | None = field()
    default_mode: int | None = field()
    optional: bool | None = field()


@model
class NFSVolumeSource:
    server: str | None = field()
    path: str | None = field()
    read_only: bool | None = field()


@model
class PersistentVolumeClaimVolumeSource:
    claim_name: str | None = field()
    read_only: bool | None = field()


@model
class DownwardAPIVolumeFile:
    path: str | None = field()
    field_ref: ObjectFieldSelector | None = field()
    resource_field_ref: ResourceFieldSelector | None = field()
    mode: int | None = field()


@model
class DownwardAPIVolumeSource:
    items: list[DownwardAPIVolumeFile] | None = field()
    default_mode: int | None = field()


@model
class SecretProjection:
    name: str | None = field()
    items: list[KeyToPath] | None = field()
    optional: bool | None = field()


@model
class ConfigMapProjection:
    name: str | None = field()
    items: list[KeyToPath] | None = field()
    optional: bool | None = field()


@model
class DownwardAPIProjection:
    items: list[DownwardAPIVolumeFile] | None = field()


@model
class ServiceAccountTokenProjection:
    audience: str | None = field()
    expiration_seconds: int | None = field()
    path: str | None = field()


@model
class ClusterTrustBundleProjection:
    name: str | None = field()
    signer_name: str | None = field()
    label_selector: LabelSelector | None = field()
    optional: bool | None = field()
    path: str | None = field()


@model
class VolumeProjection:
    secret: SecretProjection | None = field()
    downward_api: DownwardAPIProjection | None = field(json="downwardAPI")
    config_map: ConfigMapProjection | None = field()
    service_account_token: ServiceAccountTokenProjection | None = field()
    cluster_trust_bundle: ClusterTrustBundleProjection | None = field()


@model
class ProjectedVolumeSource:
    sources: list[VolumeProjection] | None = field()
    default_mode: int | None = field()


@model
class CSIVolumeSource:
    driver: str | None = field()
    read_only: bool | None = field()
    fs_type: str | None = field()
    volume_attributes: dict[str, str] | None = field()
    node_publish_secret_ref: LocalObjectReference | None = field()


@model
class ImageVolumeSource:
    reference: str | None = field()
    pull_policy: str | None = field()


@model
class PersistentVolumeClaimSpec:
    access_modes: list[str] | None = field()
    selector: LabelSelector | None = field()
    resources: VolumeResourceRequirements | None = field()
    volume_name: str | None = field()
    storage_class_name: str | None = field()
    volume_mode: str | None = field()  # Filesystem, Block
    data_source: TypedLocalObjectReference | None = field()
    data_source_ref: TypedObjectReference | None = field()
    volume_attributes_class_name: str | None = field()


@model
class PersistentVolumeClaimTemplate:
    metadata: ObjectMeta | None = field()
    spec: PersistentVolumeClaimSpec | None = field()


@model
class EphemeralVolumeSource:
    volume_claim_template: PersistentVolumeClaimTemplate | None = field()


@model
class Volume:
    name: str | None = field()
    host_path: HostPathVolumeSource | None = field()
    empty_dir: EmptyDirVolumeSource | None = field()
    secret: SecretVolumeSource | None = field()
    nfs: NFSVolumeSource | None = field()
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = field()
    downward_api: DownwardAPIVolumeSource | None = field(json="downwardAPI")
    config_map: ConfigMapVolumeSource | None = field()
    projected: ProjectedVolumeSource | None = field()
    csi: CSIVolumeSource | None = field()
    ephemeral: EphemeralVolumeSource | None = field()
    image: ImageVolumeSource | None = field()
    # Legacy in-tree plugins, raw.
    gce_persistent_disk: dict[str, Any] | None = field()
    aws_elastic_block_store: dict[str, Any] | None = field()
    git_repo: dict[str, Any] | None = field()
    iscsi: dict[str, Any] | None = field()
    glusterfs: dict[str, Any] | None = field()
    rbd: dict[str, Any] | None = field()
    flex_volume: dict[str, Any] | None = field()
    cinder: dict[str, Any] | None = field()
    cephfs: dict[str, Any] | None = field()
    flocker: dict[str, Any] | None = field()
    fc: dict[str, Any] | None = field()
    azure_file: dict[str, Any] | None = field()
    vsphere_volume: dict[str, Any] | None = field()
    quobyte: dict[str, Any] | None = field()
    azure_disk: dict[str, Any] | None = field()
    photon_persistent_disk: dict[str, Any] | None = field()
    portworx_volume: dict[str, Any] | None = field()
    scale_io: dict[str, Any] | None = field(json="scaleIO")
    storageos: dict[str, Any] | None = field()


# --- PersistentVolumeClaim --------------------------------------------------------------------


@model
class PersistentVolumeClaimCondition:
    type: str | None = field()
    status: str | None = field()
    last_probe_time: Time | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class ModifyVolumeStatus:
    target_volume_attributes_class_name: str | None = field()
    status: str | None = field()


@model
class PersistentVolumeClaimStatus:
    phase: str | None = field()  # Pending, Bound, Lost
    access_modes: list[str] | None = field()
    capacity: dict[str, Quantity] | None = field()
    conditions: list[PersistentVolumeClaimCondition] | None = field()
    allocated_resources: dict[str, Quantity] | None = field()
    allocated_resource_statuses: dict[str, str] | None = field()
    current_volume_attributes_class_name: str | None = field()
    modify_volume_status: ModifyVolumeStatus | None = field()


@model
class PersistentVolumeClaim:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PersistentVolumeClaim")
    metadata: ObjectMeta | None = field()
    spec: PersistentVolumeClaimSpec | None = field()
    status: PersistentVolumeClaimStatus | None = field()


@model
class PersistentVolumeClaimList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PersistentVolumeClaimList")
    metadata: ListMeta | None = field()
    items: list[PersistentVolumeClaim] | None = field()


# --- PersistentVolume -------------------------------------------------------------------------


@model
class LocalVolumeSource:
    path: str | None = field()
    fs_type: str | None = field()


@model
class CSIPersistentVolumeSource:
    driver: str | None = field()
    volume_handle: str | None = field()
    read_only: bool | None = field()
    fs_type: str | None = field()
    volume_attributes: dict[str, str] | None = field()
    controller_publish_secret_ref: SecretReference | None = field()
    node_stage_secret_ref: SecretReference | None = field()
    node_publish_secret_ref: SecretReference | None = field()
    controller_expand_secret_ref: SecretReference | None = field()
    node_expand_secret_ref: SecretReference | None = field()


@model
class VolumeNodeAffinity:
    required: NodeSelector | None = field()


@model
class PersistentVolumeSpec:
    capacity: dict[str, Quantity] | None = field()
    access_modes: list[str] | None = field()
    claim_ref: ObjectReference | None = field()
    persistent_volume_reclaim_policy: str | None = field()  # Retain, Delete, Recycle
    storage_class_name: str | None = field()
    mount_options: list[str] | None = field()
    volume_mode: str | None = field()
    node_affinity: VolumeNodeAffinity | None = field()
    volume_attributes_class_name: str | None = field()
    host_path: HostPathVolumeSource | None = field()
    local: LocalVolumeSource | None = field()
    nfs: NFSVolumeSource | None = field()
    csi: CSIPersistentVolumeSource | None = field()
    # Legacy in-tree plugins, raw.
    gce_persistent_disk: dict[str, Any] | None = field()
    aws_elastic_block_store: dict[str, Any] | None = field()
    iscsi: dict[str, Any] | None = field()
    glusterfs: dict[str, Any] | None = field()
    rbd: dict[str, Any] | None = field()
    flex_volume: dict[str, Any] | None = field()
    cinder: dict[str, Any] | None = field()
    cephfs: dict[str, Any] | None = field()
    flocker: dict[str, Any] | None = field()
    fc: dict[str, Any] | None = field()
    azure_file: dict[str, Any] | None = field()
    vsphere_volume: dict[str, Any] | None = field()
    quobyte: dict[str, Any] | None = field()
    azure_disk: dict[str, Any] | None = field()
    photon_persistent_disk: dict[str, Any] | None = field()
    portworx_volume: dict[str, Any] | None = field()
    scale_io: dict[str, Any] | None = field(json="scaleIO")
    storageos: dict[str, Any] | None = field()


@model
class PersistentVolumeStatus:
    phase: str | None = field()  # Pending, Available, Bound, Released, Failed
    message: str | None = field()
    reason: str | None = field()
    last_phase_transition_time: Time | None = field()


@model
class PersistentVolume:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PersistentVolume")
    metadata: ObjectMeta | None = field()
    spec: PersistentVolumeSpec | None = field()
    status: PersistentVolumeStatus | None = field()


@model
class PersistentVolumeList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PersistentVolumeList")
    metadata: ListMeta | None = field()
    items: list[PersistentVolume] | None = field()
