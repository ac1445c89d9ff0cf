"""Kubernetes' patch and list metadata for the kinds in ``microkube.api``, as facts.

Each entry restates the struct tags and markers of the upstream Go types (k8s.io/api
``core/v1/types.go``, ``apps/v1/types.go``, ``batch/v1/types.go``, ``policy/v1/types.go``,
``discovery/v1/types.go``; k8s.io/apimachinery ``pkg/apis/meta/v1/types.go``), which the
published OpenAPI carries as ``x-kubernetes-patch-strategy``, ``x-kubernetes-patch-merge-key``,
``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys`` and ``x-kubernetes-map-type``.

Reading the table:

- ``strategy``/``merge_key`` drive strategic merge patch. A list with no ``merge`` strategy is
  replaced wholesale (``tolerations``, ``taints``, ``args``, ``envFrom``, ``externalIPs``...).
- ``list_type``/``list_keys`` drive server-side apply. Where upstream declares no list type,
  structured-merge-diff derives one from the patch tags: ``merge`` with a key is a map keyed by
  it, ``merge`` without a key a set, anything else atomic. A few fields differ between the two
  (``hostIPs`` and Job ``conditions`` merge by key in a patch but are atomic for apply; container
  and service ``ports`` are keyed by the port alone in a patch but by port and protocol in apply).
- ``key_defaults`` are ``+default`` markers on key fields: apply fills them in when an element
  omits the field (``protocol: TCP``), so ``k:{"containerPort":80,"protocol":"TCP"}`` is the key.
- ``ATOMIC_STRUCTS`` are ``+structType=atomic`` types (owned and replaced as a whole by apply);
  ``atomic`` on a field is ``+mapType=atomic``.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

__all__ = ["FieldFacts", "atomic_structs", "field_facts"]


@attrs.frozen(cache_hash=True)  # part of a schema Node's hash
class FieldFacts:
    """Upstream metadata of one field."""

    strategy: tuple[str, ...] = ()
    merge_key: str | None = None
    list_type: str | None = None  # "atomic", "set" or "map" when declared upstream
    list_keys: tuple[str, ...] = ()
    key_defaults: tuple[tuple[str, Any], ...] = ()
    atomic: bool = False


def _merge(key: str, *, keys: tuple[str, ...] = (), list_type: str | None = "map") -> FieldFacts:
    """``patchStrategy=merge, patchMergeKey=key`` with its apply list type."""
    return FieldFacts(("merge",), key, list_type, keys or ((key,) if list_type == "map" else ()))


_BY_NAME = _merge("name")
_BY_TYPE = _merge("type")  # every status.conditions list but Job's
_PRIMITIVE_SET = FieldFacts(("merge",), None, "set")
_ATOMIC_MAP = FieldFacts(atomic=True)
_TCP = (("protocol", "TCP"),)


@functools.cache
def field_facts() -> dict[tuple[type, str], FieldFacts]:
    """``{(model class, JSON field name): facts}`` for every field with non-default metadata."""
    from microkube.api import (
        apps_v1,
        batch_v1,
        core_v1_common,
        core_v1_config,
        core_v1_container,
        core_v1_node,
        core_v1_pod,
        core_v1_service,
        core_v1_volume,
        discovery_v1,
        meta_v1,
        policy_v1,
    )

    c, pod, ctr = core_v1_common, core_v1_pod, core_v1_container
    container_lists = {
        # core/v1 Container (and EphemeralContainerCommon, which copies its tags)
        "ports": _merge("containerPort", keys=("containerPort", "protocol")),
        "env": _BY_NAME,
        "volumeMounts": _merge("mountPath"),
        "volumeDevices": _merge("devicePath"),
    }
    facts: dict[tuple[type, str], FieldFacts] = {
        # meta/v1 ObjectMeta
        (meta_v1.ObjectMeta, "ownerReferences"): _merge("uid"),
        (meta_v1.ObjectMeta, "finalizers"): _PRIMITIVE_SET,
        # core/v1 PodSpec
        (pod.PodSpec, "volumes"): FieldFacts(("merge", "retainKeys"), "name", "map", ("name",)),
        (pod.PodSpec, "initContainers"): _BY_NAME,
        (pod.PodSpec, "containers"): _BY_NAME,
        (pod.PodSpec, "ephemeralContainers"): _BY_NAME,
        (pod.PodSpec, "imagePullSecrets"): _BY_NAME,
        (pod.PodSpec, "hostAliases"): _merge("ip"),
        (pod.PodSpec, "topologySpreadConstraints"): _merge(
            "topologyKey", keys=("topologyKey", "whenUnsatisfiable")
        ),
        (pod.PodSpec, "schedulingGates"): _BY_NAME,
        (pod.PodSpec, "resourceClaims"): FieldFacts(
            ("merge", "retainKeys"), "name", "map", ("name",)
        ),
        (pod.PodSpec, "nodeSelector"): _ATOMIC_MAP,
        # core/v1 PodStatus and ContainerStatus
        (pod.PodStatus, "conditions"): _BY_TYPE,
        (pod.PodStatus, "podIPs"): _merge("ip"),
        (pod.PodStatus, "hostIPs"): _merge("ip", list_type="atomic"),
        (pod.PodStatus, "resourceClaimStatuses"): FieldFacts(
            ("merge", "retainKeys"), "name", "map", ("name",)
        ),
        (pod.ContainerStatus, "volumeMounts"): _merge("mountPath"),
        (pod.ContainerStatus, "allocatedResourcesStatus"): _BY_NAME,
        (pod.ResourceStatus, "resources"): FieldFacts(list_type="map", list_keys=("resourceID",)),
        # core/v1 ResourceRequirements.claims: +listType=map +listMapKey=name, no patch tags
        (c.ResourceRequirements, "claims"): FieldFacts(list_type="map", list_keys=("name",)),
        # core/v1 Node
        (core_v1_node.NodeSpec, "podCIDRs"): _PRIMITIVE_SET,
        (core_v1_node.NodeStatus, "conditions"): _BY_TYPE,
        (core_v1_node.NodeStatus, "addresses"): _BY_TYPE,
        # core/v1 Namespace, ServiceAccount
        (core_v1_config.NamespaceStatus, "conditions"): _BY_TYPE,
        (core_v1_config.ServiceAccount, "secrets"): _BY_NAME,
        # core/v1 Service
        (core_v1_service.ServiceSpec, "ports"): _merge("port", keys=("port", "protocol")),
        (core_v1_service.ServiceSpec, "selector"): _ATOMIC_MAP,
        (core_v1_service.ServiceStatus, "conditions"): _BY_TYPE,
        # core/v1 PersistentVolumeClaim
        (core_v1_volume.PersistentVolumeClaimStatus, "conditions"): _BY_TYPE,
        # apps/v1
        (apps_v1.DeploymentSpec, "strategy"): FieldFacts(("retainKeys",)),
        (apps_v1.DeploymentStatus, "conditions"): _BY_TYPE,
        (apps_v1.ReplicaSetStatus, "conditions"): _BY_TYPE,
        (apps_v1.DaemonSetStatus, "conditions"): _BY_TYPE,
        (apps_v1.StatefulSetStatus, "conditions"): _BY_TYPE,
        # batch/v1: Job conditions merge by type in a patch but are +listType=atomic
        (batch_v1.JobStatus, "conditions"): _merge("type", list_type="atomic"),
        (batch_v1.PodFailurePolicyOnExitCodesRequirement, "values"): FieldFacts(list_type="set"),
        (batch_v1.UncountedTerminatedPods, "succeeded"): FieldFacts(list_type="set"),
        (batch_v1.UncountedTerminatedPods, "failed"): FieldFacts(list_type="set"),
        # discovery/v1
        (discovery_v1.Endpoint, "addresses"): FieldFacts(list_type="set"),
        # policy/v1
        (policy_v1.PodDisruptionBudgetSpec, "selector"): FieldFacts(("replace",)),
        (policy_v1.PodDisruptionBudgetStatus, "conditions"): _BY_TYPE,
    }
    for cls in (ctr.Container, ctr.EphemeralContainer):
        for name, fact in container_lists.items():
            facts[cls, name] = fact
    # +default="TCP" on ContainerPort.protocol and ServicePort.protocol
    for key in ((ctr.Container, "ports"), (ctr.EphemeralContainer, "ports")):
        facts[key] = attrs.evolve(facts[key], key_defaults=_TCP)
    ports = (core_v1_service.ServiceSpec, "ports")
    facts[ports] = attrs.evolve(facts[ports], key_defaults=_TCP)
    return facts


@functools.cache
def atomic_structs() -> frozenset[type]:
    """Model classes marked ``+structType=atomic`` upstream."""
    from microkube.api import (
        core_v1_common,
        core_v1_container,
        core_v1_scheduling,
        core_v1_service,
        discovery_v1,
        meta_v1,
        rbac_v1,
    )

    c = core_v1_common
    return frozenset(
        {
            meta_v1.LabelSelector,
            meta_v1.OwnerReference,
            c.ObjectReference,
            c.LocalObjectReference,
            c.TypedLocalObjectReference,
            c.SecretReference,
            c.ObjectFieldSelector,
            c.ResourceFieldSelector,
            core_v1_container.ConfigMapKeySelector,
            core_v1_container.SecretKeySelector,
            core_v1_scheduling.NodeSelector,
            core_v1_scheduling.NodeSelectorTerm,
            core_v1_service.EndpointAddress,
            core_v1_service.EndpointPort,
            discovery_v1.EndpointPort,
            rbac_v1.RoleRef,
        }
    )
