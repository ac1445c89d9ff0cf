"""An audit Policy (``audit.k8s.io/v1``), as kube-apiserver's ``--audit-policy-file``: the
first rule matching a request sets its level — ``None`` (not logged), ``Metadata`` (who did
what to which object, and the answer's code), ``Request`` (plus the request body) or
``RequestResponse`` (treated as ``Request``: response bodies are not logged). A request no
rule matches is not logged.

```yaml
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: Metadata
    resources: [{group: "", resources: ["secrets"]}]
  - level: Request
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from microkube.config import ConfigError
from microkube.contracts.auth import AuthorizationAttributes

__all__ = ["LEVELS", "AuditPolicy", "AuditRule", "load_policy", "parse_policy"]

LEVELS = ("None", "Metadata", "Request", "RequestResponse")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of strings")
    return tuple(value)


@attrs.frozen
class ResourceMatch:
    group: str
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]

    def matches(self, attributes: AuthorizationAttributes) -> bool:
        """Upstream's ``ruleMatchesResource``: ``*``, ``pods``, ``pods/log``, ``*/log``,
        ``pods/*``; resource names, when given, must include the request's."""
        if self.group != attributes.api_group:
            return False
        if not self.resources:
            return True
        if self.resource_names and attributes.name not in self.resource_names:
            return False
        resource, sub = attributes.resource, attributes.subresource
        combined = f"{resource}/{sub}" if sub else resource
        return any(
            r in ("*", combined)
            or (sub and r.startswith("*/") and r[2:] == sub)
            or (r.endswith("/*") and r[:-2] == resource)
            for r in self.resources
        )


@attrs.frozen
class AuditRule:
    level: str
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    resources: tuple[ResourceMatch, ...] = ()
    namespaces: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    def matches(self, attributes: AuthorizationAttributes) -> bool:
        user = attributes.user
        if self.users and user.username not in self.users:
            return False
        if self.user_groups and not set(self.user_groups) & set(user.groups):
            return False
        if self.verbs and attributes.verb not in self.verbs:
            return False
        if attributes.resource_request:
            if self.non_resource_urls and not (self.resources or self.namespaces):
                return False
            if self.namespaces and attributes.namespace not in self.namespaces:
                return False
            return not self.resources or any(r.matches(attributes) for r in self.resources)
        if self.resources or self.namespaces:
            return False
        return not self.non_resource_urls or any(
            url == attributes.path or (url.endswith("*") and attributes.path.startswith(url[:-1]))
            for url in self.non_resource_urls
        )


@attrs.frozen
class AuditPolicy:
    rules: tuple[AuditRule, ...]

    def level(self, attributes: AuthorizationAttributes) -> str:
        for rule in self.rules:
            if rule.matches(attributes):
                return rule.level
        return "None"


#: With a log path but no policy file: every request at Metadata.
METADATA_FOR_ALL = AuditPolicy((AuditRule(level="Metadata"),))


def _rule(rule: Any, where: str) -> AuditRule:
    if not isinstance(rule, Mapping):
        raise ConfigError(f"{where}: must be a mapping")
    level = rule.get("level")
    if level not in LEVELS:
        raise ConfigError(f"{where}.level: must be one of {', '.join(LEVELS)}, got {level!r}")
    resources = []
    for index, entry in enumerate(rule.get("resources") or ()):
        place = f"{where}.resources[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{place}: must be a mapping")
        resources.append(
            ResourceMatch(
                group=str(entry.get("group") or ""),
                resources=_strings(entry.get("resources"), f"{place}.resources"),
                resource_names=_strings(entry.get("resourceNames"), f"{place}.resourceNames"),
            )
        )
    return AuditRule(
        level=level,
        users=_strings(rule.get("users"), f"{where}.users"),
        user_groups=_strings(rule.get("userGroups"), f"{where}.userGroups"),
        verbs=_strings(rule.get("verbs"), f"{where}.verbs"),
        resources=tuple(resources),
        namespaces=_strings(rule.get("namespaces"), f"{where}.namespaces"),
        non_resource_urls=_strings(rule.get("nonResourceURLs"), f"{where}.nonResourceURLs"),
    )


def parse_policy(doc: Any, source: str) -> AuditPolicy:
    if not isinstance(doc, Mapping) or doc.get("kind") != "Policy":
        raise ConfigError(f"{source}: not an audit Policy (kind: Policy)")
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        raise ConfigError(f"{source}: rules: at least one rule is required")
    return AuditPolicy(tuple(_rule(r, f"{source}: rules[{i}]") for i, r in enumerate(rules)))


def load_policy(path: str | Path) -> AuditPolicy:
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"audit-policy-file {path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"audit-policy-file {path}: not YAML: {exc}") from None
    return parse_policy(doc, f"audit-policy-file {path}")
