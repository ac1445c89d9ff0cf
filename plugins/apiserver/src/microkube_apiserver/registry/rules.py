"""Per-kind behaviour of the generic registry, as Kubernetes' REST strategies define it.

A :class:`KindRules` answers the few questions in which kinds differ: does the kind track
``metadata.generation``, does it have a ``status`` subresource (main-resource writes then keep
the stored status), is deletion graceful (pods), does DELETE answer with the deleted object,
may a status write change annotations, and which fields a field selector may name.
"""

from __future__ import annotations

import functools

import attrs

from microkube_apiserver.discovery import Resource

__all__ = ["KindRules", "rules_for"]

#: Kinds whose strategy sets and bumps ``metadata.generation`` (Kubernetes 1.32).
_GENERATION = frozenset(
    {
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "DaemonSet"),
        ("apps", "StatefulSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("policy", "PodDisruptionBudget"),
    }
)

#: Kinds whose status strategy lets a status write change annotations: Kubernetes resets only
#: a Deployment's spec and labels (its controller records the revision through UpdateStatus).
_STATUS_KEEPS_ANNOTATIONS = frozenset({("apps", "deployments")})

#: Stores with ``ReturnDeletedObject``: DELETE answers with the object rather than a Status.
_RETURN_DELETED = frozenset({("", "pods"), ("", "services"), ("", "namespaces")})

_POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
)
_EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
#: Field selector labels beyond ``metadata.name``/``metadata.namespace``, per resource.
_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "pods"): _POD_FIELDS,
    ("", "nodes"): ("spec.unschedulable",),
    ("", "namespaces"): ("status.phase",),
    ("", "secrets"): ("type",),
    ("", "events"): _EVENT_FIELDS,
    ("", "services"): ("spec.clusterIP", "spec.type"),
    ("apps", "replicasets"): ("status.replicas",),
    ("batch", "jobs"): ("status.successful",),
}

#: Where a selectable field's value lives when the label is not its JSON path.
FIELD_PATHS: dict[str, str] = {"source": "source.component"}
#: Values of boolean fields Kubernetes compares as "false" when unset.
FIELD_DEFAULTS: dict[str, str] = {"spec.hostNetwork": "false", "spec.unschedulable": "false"}


@attrs.frozen
class KindRules:
    tracks_generation: bool
    has_status: bool
    graceful: bool
    return_deleted: bool
    selectable_fields: frozenset[str]
    status_writes_annotations: bool = False


@functools.cache
def rules_for(resource: Resource) -> KindRules:
    key = (resource.group, resource.plural)
    fields = {"metadata.name"} | ({"metadata.namespace"} if resource.namespaced else set())
    return KindRules(
        tracks_generation=(resource.group, resource.kind) in _GENERATION,
        has_status=resource.subresource("status") is not None,
        graceful=key == ("", "pods"),
        return_deleted=key in _RETURN_DELETED,
        selectable_fields=frozenset(fields | set(_FIELDS.get(key, ()))),
        status_writes_annotations=key in _STATUS_KEEPS_ANNOTATIONS,
    )
