"""PriorityClass and HorizontalPodAutoscaler rules, worded as Kubernetes 1.32's
``pkg/apis/scheduling/validation`` and ``pkg/apis/autoscaling/validation``."""

from __future__ import annotations

from typing import Any

from microkube.api import Quantity
from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.names import path_segment_name
from microkube_apiserver.registry.hpa_conversion import to_v2_defaulted
from microkube_apiserver.system_priority_classes import SYSTEM_PREFIX, SYSTEM_PRIORITY_CLASSES

__all__ = ["HIGHEST_USER_DEFINABLE_PRIORITY", "UPDATE_VALIDATORS", "VALIDATORS"]

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
PREEMPTION_POLICIES = ("Never", "PreemptLowerPriority")
_SCHEDULING = "scheduling.k8s.io"


def _system_class_error(name: str, value: Any, global_default: bool) -> str | None:
    """``IsKnownSystemPriorityClass``: None when the class is the known one, else why not."""
    known = SYSTEM_PRIORITY_CLASSES.get(name)
    if known is None:
        return f"{name} is not a known system priority class"
    if value != known.value:
        return f"value of {name} PriorityClass must be {known.value}"
    if global_default != known.global_default:
        return f"globalDefault of {name} PriorityClass must be {str(known.global_default).lower()}"
    return None


def validate_priority_class(obj: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    name = (obj.get("metadata") or {}).get("name") or ""
    value = obj.get("value", 0)
    if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
        return [field.invalid("value", value, "must be a 32-bit integer")]
    if name.startswith(SYSTEM_PREFIX):
        problem = _system_class_error(name, value, bool(obj.get("globalDefault")))
        if problem is not None:
            errors.append(
                field.forbidden(
                    "metadata.name",
                    f"priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system "
                    f"use only. error: {problem}",
                )
            )
    elif value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errors.append(
            field.forbidden(
                "value",
                "maximum allowed value of a user defined priority is "
                f"{HIGHEST_USER_DEFINABLE_PRIORITY}",
            )
        )
    policy = obj.get("preemptionPolicy")
    if policy is not None and policy not in PREEMPTION_POLICIES:
        errors.append(field.not_supported("preemptionPolicy", policy, PREEMPTION_POLICIES))
    return errors


def priority_class_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if new.get("value", 0) != old.get("value", 0):
        errors.append(field.forbidden("value", "may not be changed in an update."))
    if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
        errors.append(
            field.invalid("preemptionPolicy", new.get("preemptionPolicy"), "field is immutable")
        )
    return errors


# --- HorizontalPodAutoscaler --------------------------------------------------------------------

METRIC_SOURCES = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}
TARGET_TYPES = ("AverageValue", "Utilization", "Value")
SELECT_POLICIES = ("Disabled", "Max", "Min")
POLICY_TYPES = ("Percent", "Pods")
MAX_STABILIZATION_WINDOW = 3600
MAX_PERIOD_SECONDS = 1800


def _reference(ref: Any, at: str) -> list[FieldError]:
    ref = ref if isinstance(ref, dict) else {}
    errors: list[FieldError] = []
    for key in ("kind", "name"):
        value = ref.get(key)
        if not value:
            errors.append(field.required(f"{at}.{key}"))
            continue
        errors += [field.invalid(f"{at}.{key}", value, msg) for msg in path_segment_name(value)]
    return errors


def _positive_quantity(value: Any, at: str) -> list[FieldError]:
    try:
        quantity = Quantity(value)
    except (TypeError, ValueError):
        return [field.invalid(at, value, "must be a valid quantity")]
    if quantity.sign() <= 0:
        return [field.invalid(at, str(value), "must be positive")]
    return []


def _target(target: Any, at: str) -> list[FieldError]:
    if not isinstance(target, dict):
        return [field.required(at)]
    errors: list[FieldError] = []
    kind = target.get("type")
    if not kind:
        errors.append(field.required(f"{at}.type", "must specify a metric target type"))
    elif kind not in TARGET_TYPES:
        errors.append(field.not_supported(f"{at}.type", kind, TARGET_TYPES))
    if target.get("value") is not None:
        errors += _positive_quantity(target["value"], f"{at}.value")
    if target.get("averageValue") is not None:
        errors += _positive_quantity(target["averageValue"], f"{at}.averageValue")
    utilization = target.get("averageUtilization")
    if utilization is not None and utilization < 1:
        errors.append(
            field.invalid(f"{at}.averageUtilization", utilization, "must be greater than 0")
        )
    wanted = {"Utilization": "averageUtilization", "Value": "value", "AverageValue": "averageValue"}
    if kind in wanted and target.get(wanted[kind]) is None:
        errors.append(
            field.required(f"{at}.{wanted[kind]}", f"must set {wanted[kind]} when type is {kind}")
        )
    return errors


def _metric(metric: Any, at: str) -> list[FieldError]:
    if not isinstance(metric, dict):
        return [field.required(at)]
    kind = metric.get("type")
    if not kind:
        return [field.required(f"{at}.type", "must specify a metric source type")]
    if kind not in METRIC_SOURCES:
        return [field.not_supported(f"{at}.type", kind, sorted(METRIC_SOURCES))]
    errors: list[FieldError] = []
    for other_kind, other in METRIC_SOURCES.items():
        if other_kind != kind and metric.get(other) is not None:
            errors.append(
                field.forbidden(f"{at}.{other}", "must populate the given metric source only")
            )
    source_key = METRIC_SOURCES[kind]
    source = metric.get(source_key)
    source_at = f"{at}.{source_key}"
    if not isinstance(source, dict):
        return [
            *errors,
            field.required(source_at, "must populate information for the given metric source"),
        ]
    if kind in ("Resource", "ContainerResource"):
        if not source.get("name"):
            errors.append(field.required(f"{source_at}.name", "must specify a resource name"))
        if kind == "ContainerResource" and not source.get("container"):
            errors.append(field.required(f"{source_at}.container", "must specify a container"))
    else:
        if not (source.get("metric") or {}).get("name"):
            errors.append(field.required(f"{source_at}.metric.name", "must specify a metric name"))
        if kind == "Object":
            errors += _reference(source.get("describedObject"), f"{source_at}.describedObject")
    target = source.get("target")
    errors += _target(target, f"{source_at}.target")
    if isinstance(target, dict):
        allowed = {
            "Object": ("Value", "AverageValue"),
            "Pods": ("AverageValue",),
            "External": ("Value", "AverageValue"),
        }.get(kind)
        if allowed and target.get("type") in TARGET_TYPES and target["type"] not in allowed:
            errors.append(field.not_supported(f"{source_at}.target.type", target["type"], allowed))
    return errors


def _rules(rules: Any, at: str) -> list[FieldError]:
    if not isinstance(rules, dict):
        return []
    errors: list[FieldError] = []
    window = rules.get("stabilizationWindowSeconds")
    if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW:
        detail = (
            "must be greater than or equal to zero"
            if window < 0
            else f"must be less than or equal to {MAX_STABILIZATION_WINDOW}"
        )
        errors.append(field.invalid(f"{at}.stabilizationWindowSeconds", window, detail))
    select = rules.get("selectPolicy")
    if select is not None and select not in SELECT_POLICIES:
        errors.append(field.not_supported(f"{at}.selectPolicy", select, SELECT_POLICIES))
    policies = rules.get("policies")
    if policies is not None and not policies and select != "Disabled":
        errors.append(field.required(f"{at}.policies", "must specify at least one Policy"))
    for index, policy in enumerate(policies or []):
        pat = f"{at}.policies[{index}]"
        if policy.get("type") not in POLICY_TYPES:
            errors.append(field.not_supported(f"{pat}.type", policy.get("type"), POLICY_TYPES))
        value = policy.get("value")
        if not isinstance(value, int) or value <= 0:
            errors.append(field.invalid(f"{pat}.value", value, "must be greater than zero"))
        period = policy.get("periodSeconds")
        if not isinstance(period, int) or period <= 0:
            errors.append(
                field.invalid(f"{pat}.periodSeconds", period, "must be greater than zero")
            )
        elif period > MAX_PERIOD_SECONDS:
            errors.append(
                field.invalid(
                    f"{pat}.periodSeconds",
                    period,
                    f"must be less than or equal to {MAX_PERIOD_SECONDS}",
                )
            )
    return errors


def validate_horizontal_pod_autoscaler(obj: dict[str, Any]) -> list[FieldError]:
    """Rules of the stored (v2) form: a v1 object is checked as it converts, as Kubernetes
    validates the internal form (a bad ``targetCPUUtilizationPercentage`` is reported at
    ``spec.metrics[0].resource.target.averageUtilization``)."""
    if obj.get("apiVersion") == "autoscaling/v1":
        obj = to_v2_defaulted(obj)
    spec = obj.get("spec") or {}
    errors = _reference(spec.get("scaleTargetRef"), "spec.scaleTargetRef")
    minimum = spec.get("minReplicas")
    maximum = spec.get("maxReplicas")
    if minimum is not None and minimum < 1:
        errors.append(
            field.invalid("spec.minReplicas", minimum, "must be greater than or equal to 1")
        )
    if not isinstance(maximum, int) or maximum < 1:
        errors.append(field.invalid("spec.maxReplicas", maximum or 0, "must be greater than 0"))
    elif minimum is not None and maximum < minimum:
        errors.append(
            field.invalid(
                "spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`"
            )
        )
    for index, metric in enumerate(spec.get("metrics") or []):
        errors += _metric(metric, f"spec.metrics[{index}]")
    behavior = spec.get("behavior") or {}
    errors += _rules(behavior.get("scaleUp"), "spec.behavior.scaleUp")
    errors += _rules(behavior.get("scaleDown"), "spec.behavior.scaleDown")
    return errors


VALIDATORS = {
    (_SCHEDULING, "PriorityClass"): validate_priority_class,
    ("autoscaling", "HorizontalPodAutoscaler"): validate_horizontal_pod_autoscaler,
}
UPDATE_VALIDATORS = {(_SCHEDULING, "PriorityClass"): priority_class_update}
