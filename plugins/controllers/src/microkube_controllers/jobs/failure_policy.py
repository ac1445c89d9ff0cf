"""A Job's ``podFailurePolicy``: what a failed pod means (upstream ``matchPodFailurePolicy``).

Rules are tried in order; the first one matching the pod decides: ``Ignore`` (the failure
does not count against ``backoffLimit``), ``Count`` (it counts, the default without a match),
``FailJob`` (the whole Job fails with reason ``PodFailurePolicy``). A rule matches on the
non-zero exit code of a container (``onExitCodes``: ``In``/``NotIn``, optionally one
``containerName``) or on pod conditions (``onPodConditions``: type and status).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["FAIL_JOB", "IGNORE", "PolicyVerdict", "match_pod_failure_policy"]

FAIL_JOB = "FailJob"
IGNORE = "Ignore"
COUNT = "Count"


@attrs.frozen
class PolicyVerdict:
    #: the failure counts against backoffLimit
    counts: bool = True
    #: the rule's action, None when no rule matched
    action: str | None = None
    #: the reason the Job fails, for FailJob
    message: str | None = None


def _failed_container(status: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any] | None:
    name = rule.get("containerName")
    values = set(rule.get("values") or ())
    operator = rule.get("operator")
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or ():
            if name and container.get("name") != name:
                continue
            terminated = (container.get("state") or {}).get("terminated")
            if not terminated:
                continue
            code = int(terminated.get("exitCode") or 0)
            if code == 0:
                continue
            if (operator == "In" and code in values) or (
                operator == "NotIn" and code not in values
            ):
                return container
    return None


def _matching_condition(
    status: Mapping[str, Any], patterns: list[Mapping[str, Any]]
) -> dict[str, Any] | None:
    for pattern in patterns:
        for condition in status.get("conditions") or ():
            if condition.get("type") == pattern.get("type") and condition.get(
                "status"
            ) == pattern.get("status", "True"):
                return condition
    return None


def match_pod_failure_policy(policy: Mapping[str, Any], pod: Mapping[str, Any]) -> PolicyVerdict:
    status = pod.get("status") or {}
    meta = pod.get("metadata") or {}
    where = f"{meta.get('namespace')}/{meta.get('name')}"
    for index, rule in enumerate(policy.get("rules") or ()):
        action = rule.get("action")
        if rule.get("onExitCodes") is not None:
            container = _failed_container(status, rule["onExitCodes"])
            if container is None:
                continue
            if action == IGNORE:
                return PolicyVerdict(False, IGNORE)
            if action == FAIL_JOB:
                code = container["state"]["terminated"]["exitCode"]
                return PolicyVerdict(
                    True,
                    FAIL_JOB,
                    f"Container {container.get('name')} for pod {where} failed with exit code "
                    f"{code} matching {FAIL_JOB} rule at index {index}",
                )
            return PolicyVerdict(True, action)
        if rule.get("onPodConditions") is not None:
            condition = _matching_condition(status, rule["onPodConditions"])
            if condition is None:
                continue
            if action == IGNORE:
                return PolicyVerdict(False, IGNORE)
            if action == FAIL_JOB:
                return PolicyVerdict(
                    True,
                    FAIL_JOB,
                    f"Pod {where} has condition {condition.get('type')} matching {FAIL_JOB} "
                    f"rule at index {index}",
                )
            return PolicyVerdict(True, action)
    return PolicyVerdict()
