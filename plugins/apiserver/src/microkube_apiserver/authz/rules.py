"""RBAC policy rules and what they allow, as Kubernetes' ``rbac.RuleAllows`` evaluates them.

A rule names verbs, API groups, resources (``*``, ``pods``, ``pods/status``, ``*/scale``),
optionally resource names, or non-resource URLs (``/healthz``, ``/api/*``). A resource rule never
allows a non-resource request and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from microkube.contracts.auth import AuthorizationAttributes

__all__ = ["Rule", "covers", "rule_allows", "rules_from"]


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


@attrs.frozen
class Rule:
    """One ``PolicyRule``."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, rule: Mapping[str, Any]) -> Rule:
        return cls(
            verbs=_strings(rule.get("verbs")),
            api_groups=_strings(rule.get("apiGroups")),
            resources=_strings(rule.get("resources")),
            resource_names=_strings(rule.get("resourceNames")),
            non_resource_urls=_strings(rule.get("nonResourceURLs")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verbs": list(self.verbs)}
        if self.api_groups or self.resources:
            out["apiGroups"] = list(self.api_groups)
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        return out


def rules_from(rules: Any) -> tuple[Rule, ...]:
    """The rules of a Role's or ClusterRole's ``rules`` list (malformed entries skipped)."""
    if not isinstance(rules, list):
        return ()
    return tuple(Rule.from_json(r) for r in rules if isinstance(r, dict))


def _verb_matches(rule: Rule, verb: str) -> bool:
    return "*" in rule.verbs or verb in rule.verbs


def _group_matches(rule: Rule, group: str) -> bool:
    return "*" in rule.api_groups or group in rule.api_groups


def _resource_matches(rule: Rule, combined: str, subresource: str) -> bool:
    for resource in rule.resources:
        if resource in ("*", combined):
            return True
        # "*/scale" matches every resource's scale subresource
        if subresource and resource == f"*/{subresource}":
            return True
    return False


def _name_matches(rule: Rule, name: str) -> bool:
    return not rule.resource_names or name in rule.resource_names


def _url_matches(rule: Rule, path: str) -> bool:
    for url in rule.non_resource_urls:
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def rule_allows(attributes: AuthorizationAttributes, rule: Rule) -> bool:
    if not _verb_matches(rule, attributes.verb):
        return False
    if not attributes.resource_request:
        return _url_matches(rule, attributes.path)
    combined = attributes.resource
    if attributes.subresource:
        combined = f"{attributes.resource}/{attributes.subresource}"
    return (
        _group_matches(rule, attributes.api_group)
        and _resource_matches(rule, combined, attributes.subresource)
        and _name_matches(rule, attributes.name)
    )


def _rule_covers(owner: Rule, requested: Rule) -> bool:
    """``owner`` allows everything ``requested`` does (upstream's breakdown into one verb,
    group, resource and name at a time, checked against one owner rule)."""
    if requested.non_resource_urls:
        for verb in requested.verbs:
            if not (_verb_matches(owner, verb)):
                return False
        for url in requested.non_resource_urls:
            if not any(
                o in ("*", url) or (o.endswith("*") and url.startswith(o[:-1]))
                for o in owner.non_resource_urls
            ):
                return False
        return True
    if not all(_verb_matches(owner, v) for v in requested.verbs):
        return False
    if not all(_group_matches(owner, g) for g in requested.api_groups):
        return False
    for resource in requested.resources:
        _, _, sub = resource.partition("/")
        if not _resource_matches(owner, resource, sub):
            return False
    if owner.resource_names:
        return bool(requested.resource_names) and all(
            n in owner.resource_names for n in requested.resource_names
        )
    return True


def _atoms(rule: Rule) -> Iterable[Rule]:
    """One rule broken into single verb/group/resource/url rules (names kept together)."""
    if rule.non_resource_urls:
        for verb in rule.verbs:
            for url in rule.non_resource_urls:
                yield Rule(verbs=(verb,), non_resource_urls=(url,))
        return
    for verb in rule.verbs:
        for group in rule.api_groups:
            for resource in rule.resources:
                if rule.resource_names:
                    for name in rule.resource_names:
                        yield Rule((verb,), (group,), (resource,), (name,))
                else:
                    yield Rule((verb,), (group,), (resource,))


def covers(owned: Iterable[Rule], requested: Iterable[Rule]) -> list[Rule]:
    """The atoms of ``requested`` that no rule of ``owned`` covers (empty = all covered), as
    Kubernetes' ``validation.Covers`` for privilege-escalation checks."""
    owned = list(owned)
    return [
        atom
        for rule in requested
        for atom in _atoms(rule)
        if not any(_rule_covers(owner, atom) for owner in owned)
    ]
