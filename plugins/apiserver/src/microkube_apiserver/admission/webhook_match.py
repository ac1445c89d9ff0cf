"""Which admission webhooks a request goes to, as Kubernetes decides: a rule matching its
operation, API group, version, resource (``*``, ``pods``, ``pods/status``, ``*/status``,
``pods/*``) and scope; the namespace selector on the request's namespace labels (a
cluster-scoped object other than a Namespace always matches); the object selector on the new
or the old object's labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.contracts.admission import AdmissionRequest
from microkube.selectors import label_selector_matcher

__all__ = ["Webhook", "webhooks_of"]

_DEFAULT_TIMEOUT = 10


@attrs.frozen
class Webhook:
    """One webhook of a configuration, with Kubernetes' defaults applied."""

    name: str
    configuration: str
    client_config: Mapping[str, Any]
    rules: tuple[Mapping[str, Any], ...]
    failure_policy: str = "Fail"
    namespace_selector: Mapping[str, Any] = attrs.field(factory=dict)
    object_selector: Mapping[str, Any] = attrs.field(factory=dict)
    side_effects: str = "None"
    timeout_seconds: int = _DEFAULT_TIMEOUT

    def matches(
        self, request: AdmissionRequest, namespace_labels: Mapping[str, str] | None
    ) -> bool:
        if not any(_rule_matches(rule, request) for rule in self.rules):
            return False
        if request.namespace or request.resource.resource == "namespaces":
            labels = namespace_labels or {}
            if not label_selector_matcher(self.namespace_selector)(labels):
                return False
        match = label_selector_matcher(self.object_selector)
        return any(
            match(((obj or {}).get("metadata") or {}).get("labels") or {})
            for obj in (request.object, request.old_object)
            if obj is not None
        ) or (request.object is None and request.old_object is None)


def _listed(values: Any, value: str) -> bool:
    return isinstance(values, list) and ("*" in values or value in values)


def _resource_matches(resources: Any, resource: str, subresource: str) -> bool:
    """Upstream's ``ruleMatcher.resource``: ``res[/sub]`` where ``*`` matches any (and a
    missing ``/sub`` means no subresource)."""
    if not isinstance(resources, list):
        return False
    for entry in resources:
        res, _, sub = str(entry).partition("/")
        if res in ("*", resource) and sub in ("*", subresource):
            return True
    return False


def _rule_matches(rule: Mapping[str, Any], request: AdmissionRequest) -> bool:
    resource = request.resource
    scope = rule.get("scope") or "*"
    namespaced = bool(request.namespace)
    if (scope == "Cluster" and namespaced) or (scope == "Namespaced" and not namespaced):
        return False
    return (
        _listed(rule.get("operations"), request.operation.value)
        and _listed(rule.get("apiGroups"), resource.group)
        and _listed(rule.get("apiVersions"), resource.version)
        and _resource_matches(rule.get("resources"), resource.resource, request.subresource)
    )


def webhooks_of(configuration: Any) -> tuple[Webhook, ...]:
    """The webhooks of a stored configuration object (malformed entries skipped)."""
    name = str(((configuration or {}).get("metadata") or {}).get("name", ""))
    found = []
    for hook in (configuration or {}).get("webhooks") or ():
        if not isinstance(hook, dict) or not hook.get("name"):
            continue
        timeout = hook.get("timeoutSeconds")
        found.append(
            Webhook(
                name=str(hook["name"]),
                configuration=name,
                client_config=hook.get("clientConfig") or {},
                rules=tuple(r for r in hook.get("rules") or () if isinstance(r, dict)),
                failure_policy=hook.get("failurePolicy") or "Fail",
                namespace_selector=hook.get("namespaceSelector") or {},
                object_selector=hook.get("objectSelector") or {},
                side_effects=hook.get("sideEffects") or "None",
                timeout_seconds=timeout if isinstance(timeout, int) else _DEFAULT_TIMEOUT,
            )
        )
    return tuple(found)
