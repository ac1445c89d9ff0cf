"""Events, as Kubernetes 1.32 validates them: core/v1 Events by the legacy rules only (no
metadata rules, for old clients), events.k8s.io/v1 Events strictly. Both are checked as the
internal Event, so errors name the core/v1 fields (``involvedObject.namespace``,
``firstTimestamp``, ``message``) whichever API the request came through."""

from __future__ import annotations

from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.names import dns1123_subdomain, qualified_name

__all__ = ["CREATE_VALIDATORS", "UPDATE_VALIDATORS", "VALIDATORS"]

_LIMITS = {"reportingInstance": 128, "action": 128, "reason": 128, "message": 1024}
#: events.k8s.io/v1 field → the internal (core/v1) field it is validated as
_INTERNAL = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}


def _legacy(event: dict[str, Any], reporting_field: str) -> list[FieldError]:
    errors: list[FieldError] = []
    namespace = (event.get("metadata") or {}).get("namespace") or ""
    involved = (event.get("involvedObject") or {}).get("namespace") or ""
    path = "involvedObject.namespace"
    mismatch = field.invalid(path, involved, "does not match event.namespace")
    if not event.get("eventTime"):
        if (not involved and namespace not in ("", "default")) or (
            involved and involved != namespace
        ):
            errors.append(mismatch)
    else:
        if not involved and namespace not in ("default", "kube-system"):
            errors.append(mismatch)
        controller = event.get(reporting_field) or ""
        if not controller:
            errors.append(field.required(reporting_field))
        errors += [
            field.invalid(reporting_field, controller, e) for e in qualified_name(controller)
        ]
        for key in ("reportingInstance", "action", "reason"):
            if not event.get(key):
                errors.append(field.required(key))
        for key, limit in _LIMITS.items():
            if len(event.get(key) or "") > limit:
                errors.append(field.invalid(key, "", f"can have at most {limit} characters"))
    errors += [field.invalid("namespace", namespace, e) for e in dns1123_subdomain(namespace)]
    return errors


def validate_core_event(obj: dict[str, Any]) -> list[FieldError]:
    return _legacy(obj, "reportingComponent")


def _internal(obj: dict[str, Any]) -> dict[str, Any]:
    return {_INTERNAL.get(k, k): v for k, v in obj.items()}


def _series(event: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    series = event.get("series")
    if series is not None:
        if (series.get("count") or 0) < 2:
            errors.append(field.invalid("series.count", "", "should be at least 2"))
        if not series.get("lastObservedTime"):
            errors.append(field.required("series.lastObservedTime"))
    return errors


def validate_events_v1(obj: dict[str, Any]) -> list[FieldError]:
    """Every write through events.k8s.io/v1: the legacy rules (create and update alike)."""
    return _legacy(_internal(obj), "reportingController")


def validate_events_v1_create(obj: dict[str, Any]) -> list[FieldError]:
    """A create through events.k8s.io/v1 is strict: new-style fields set, deprecated unset."""
    event = _internal(obj)
    errors = _series(event)
    if not event.get("eventTime"):
        errors.append(field.required("eventTime"))
    kind = event.get("type") or ""
    if kind not in ("Normal", "Warning"):
        errors.append(field.invalid("type", "", f"has invalid value: {kind}"))
    for key in ("firstTimestamp", "lastTimestamp", "count"):
        if event.get(key):
            errors.append(field.invalid(key, "", "needs to be unset"))
    source = event.get("source") or {}
    if source.get("component") or source.get("host"):
        errors.append(field.invalid("source", "", "needs to be unset"))
    return errors


#: What an update through events.k8s.io/v1 may not change (everything but series and
#: metadata), as Kubernetes' ValidateEventUpdate; events written through core/v1 have none.
_IMMUTABLE = (
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "type",
    "eventTime",
    "action",
    "related",
    "reportingController",
    "reportingInstance",
)


def validate_events_v1_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    before, after = _internal(old), _internal(new)
    errors = [
        field.invalid(key, after.get(key), "field is immutable")
        for key in _IMMUTABLE
        if after.get(key) != before.get(key)
    ]
    return errors + _series(after)


_V1 = ("events.k8s.io", "Event")
VALIDATORS = {("", "Event"): validate_core_event, _V1: validate_events_v1}
CREATE_VALIDATORS = {_V1: validate_events_v1_create}
UPDATE_VALIDATORS = {_V1: validate_events_v1_update}
