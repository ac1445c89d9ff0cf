"""apps/v1 and batch/v1 workloads: selectors, templates, replicas, strategies, immutability."""

from __future__ import annotations

import re
from typing import Any

from microkube.selectors import SelectorError, label_selector_matcher
from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.meta import validate_labels
from microkube_apiserver.admission.validation.pod import validate_template

__all__ = ["UPDATE_VALIDATORS", "VALIDATORS"]

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _non_negative(spec: dict[str, Any], key: str, path: str) -> list[FieldError]:
    value = spec.get(key)
    if value is not None and value < 0:
        return [field.invalid(f"{path}.{key}", value, "must be greater than or equal to 0")]
    return []


_MISMATCH = "selector does not match template labels"


def _selector(spec: dict[str, Any], kind: str, mismatch: str = _MISMATCH) -> list[FieldError]:
    """Selector required, non-empty, valid, and matching the template's labels."""
    selector = spec.get("selector")
    if selector is None:
        return [field.required("spec.selector")]
    errors = validate_labels(selector.get("matchLabels"), "spec.selector.matchLabels")
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        at = f"spec.selector.matchExpressions[{index}]"
        operator = expression.get("operator")
        if operator not in _OPERATORS:
            errors.append(field.not_supported(f"{at}.operator", operator, _OPERATORS))
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errors.append(
            field.invalid("spec.selector", selector, f"empty selector is invalid for {kind}")
        )
        return errors
    if errors:
        return errors
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    try:
        matches = label_selector_matcher(selector)(labels)
    except SelectorError as exc:
        return [field.invalid("spec.selector", selector, str(exc))]
    if not matches:
        errors.append(field.invalid("spec.template.metadata.labels", labels, mismatch))
    return errors


def _restart_policy(spec: dict[str, Any], allowed: tuple[str, ...]) -> list[FieldError]:
    policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
    path = "spec.template.spec.restartPolicy"
    if policy is None:
        return [field.required(path, "valid values: " + ", ".join(f'"{a}"' for a in allowed))]
    if policy not in allowed:
        return [field.not_supported(path, policy, allowed)]
    return []


def _int_or_percent_zero(value: Any) -> bool:
    return value in (0, "0", "0%")


def validate_deployment(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors = _non_negative(spec, "replicas", "spec")
    errors += _selector(spec, "deployment")
    errors += validate_template(spec.get("template"), "spec.template")
    errors += _restart_policy(spec, ("Always",))
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type")
    if kind and kind not in ("Recreate", "RollingUpdate"):
        errors.append(
            field.not_supported("spec.strategy.type", kind, ("Recreate", "RollingUpdate"))
        )
    if kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        errors.append(
            field.forbidden(
                "spec.strategy.rollingUpdate",
                "may not be specified when strategy `type` is 'Recreate'",
            )
        )
    rolling = strategy.get("rollingUpdate") or {}
    if (
        kind == "RollingUpdate"
        and _int_or_percent_zero(rolling.get("maxUnavailable"))
        and _int_or_percent_zero(rolling.get("maxSurge"))
    ):
        errors.append(
            field.invalid(
                "spec.strategy.rollingUpdate.maxUnavailable",
                rolling.get("maxUnavailable"),
                "may not be 0 when `maxSurge` is 0",
            )
        )
    errors += _non_negative(spec, "revisionHistoryLimit", "spec")
    errors += _non_negative(spec, "minReadySeconds", "spec")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None and deadline <= (spec.get("minReadySeconds") or 0):
        errors.append(
            field.invalid(
                "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
            )
        )
    return errors


def validate_replica_set(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors = _non_negative(spec, "replicas", "spec") + _selector(spec, "replicaset")
    errors += validate_template(spec.get("template"), "spec.template")
    return errors + _restart_policy(spec, ("Always",))


def validate_daemon_set(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors = _selector(spec, "daemonset") + validate_template(spec.get("template"), "spec.template")
    return errors + _restart_policy(spec, ("Always",))


def validate_stateful_set(obj: dict[str, Any]) -> list[FieldError]:
    """As Kubernetes 1.32: the pod template's spec is not validated for StatefulSets (its
    volume mounts may name volumeClaimTemplates), only its labels, the selector match, the
    restart policy and the absence of activeDeadlineSeconds."""
    spec = obj.get("spec") or {}
    errors = _non_negative(spec, "replicas", "spec")
    errors += _selector(spec, "statefulset", "`selector` does not match template `labels`")
    template = spec.get("template")
    if not template:
        errors.append(field.required("spec.template"))
    else:
        labels = (template.get("metadata") or {}).get("labels")
        errors += validate_labels(labels, "spec.template.labels")
        if (template.get("spec") or {}).get("activeDeadlineSeconds") is not None:
            errors.append(
                field.forbidden(
                    "spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in StatefulSet is not Supported",
                )
            )
    policy = spec.get("podManagementPolicy")
    if policy and policy not in ("OrderedReady", "Parallel"):
        errors.append(
            field.not_supported("spec.podManagementPolicy", policy, ("OrderedReady", "Parallel"))
        )
    return errors + _restart_policy(spec, ("Always",))


def _job_spec(spec: dict[str, Any], path: str = "spec") -> list[FieldError]:
    errors: list[FieldError] = []
    for key in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"):
        errors += _non_negative(spec, key, path)
    mode = spec.get("completionMode")
    if mode and mode not in ("NonIndexed", "Indexed"):
        errors.append(
            field.not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed"))
        )
    if mode == "Indexed" and spec.get("completions") is None:
        errors.append(field.required(f"{path}.completions", "when completion mode is Indexed"))
    return errors


def validate_job(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors = _job_spec(spec) + _selector(spec, "job")
    errors += validate_template(spec.get("template"), "spec.template")
    return errors + _restart_policy(spec, ("OnFailure", "Never"))


_CRON_FIELD = re.compile(r"^[\d*/,\-?A-Za-z]+$")
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
#: ``@every <Go duration>``, which the cron parser Kubernetes uses accepts too.
_CRON_EVERY = re.compile(r"^@every (?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")


def validate_cron_job(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    schedule = spec.get("schedule") or ""
    if not schedule:
        errors.append(field.required("spec.schedule"))
    else:
        fields = schedule.split()
        if fields and fields[0].startswith(("TZ=", "CRON_TZ=")):
            errors.append(
                field.invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                )
            )
        elif not (
            schedule in _CRON_MACROS
            or _CRON_EVERY.match(schedule)
            or (len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields))
        ):
            errors.append(
                field.invalid(
                    "spec.schedule",
                    schedule,
                    f"expected exactly 5 fields, found {len(fields)}: {schedule}",
                )
            )
    policy = spec.get("concurrencyPolicy")
    if policy and policy not in ("Allow", "Forbid", "Replace"):
        errors.append(
            field.not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace"))
        )
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    errors += _job_spec(job_spec, "spec.jobTemplate.spec")
    template = job_spec.get("template")
    errors += validate_template(template, "spec.jobTemplate.spec.template")
    restart = ((template or {}).get("spec") or {}).get("restartPolicy")
    if restart not in ("OnFailure", "Never"):
        errors.append(
            field.not_supported(
                "spec.jobTemplate.spec.template.spec.restartPolicy", restart, ("OnFailure", "Never")
            )
        )
    return errors


def _immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    if new != old:
        return [field.invalid(path, new, "field is immutable")]
    return []


def _selector_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    return _immutable(
        (new.get("spec") or {}).get("selector"),
        (old.get("spec") or {}).get("selector"),
        "spec.selector",
    )


def _job_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errors = _selector_immutable(new, old)
    errors += _immutable(
        new_spec.get("completions"), old_spec.get("completions"), "spec.completions"
    )
    errors += _immutable(
        new_spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode"
    )
    return errors


VALIDATORS = {
    ("apps", "Deployment"): validate_deployment,
    ("apps", "ReplicaSet"): validate_replica_set,
    ("apps", "DaemonSet"): validate_daemon_set,
    ("apps", "StatefulSet"): validate_stateful_set,
    ("batch", "Job"): validate_job,
    ("batch", "CronJob"): validate_cron_job,
}

UPDATE_VALIDATORS = {
    ("apps", "Deployment"): _selector_immutable,
    ("apps", "ReplicaSet"): _selector_immutable,
    ("apps", "DaemonSet"): _selector_immutable,
    ("apps", "StatefulSet"): _selector_immutable,
    ("batch", "Job"): _job_update,
}
