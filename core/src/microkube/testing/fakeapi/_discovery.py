"""Legacy discovery documents: ``/api``, ``/apis``, ``/api/v1``, ``/apis/<g>/<v>``, ``/version``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from microkube.client.resources import Resource

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "microkube-fake",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}

#: subresources whose kind differs from the parent's: (kind, group, version)
_SUB_KINDS = {
    "scale": ("Scale", "autoscaling", "v1"),
    "eviction": ("Eviction", "policy", "v1"),
    "binding": ("Binding", "", "v1"),
}
_SUB_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "eviction": ["create"],
    "binding": ["create"],
    "finalize": ["update"],
}


def group_versions(resources: Iterable[Resource]) -> list[str]:
    """Group-versions in first-seen order."""
    seen: dict[str, None] = {}
    for resource in resources:
        seen.setdefault(resource.api_version, None)
    return list(seen)


def api_versions() -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}


def api_group_list(resources: Iterable[Resource]) -> dict[str, Any]:
    groups: dict[str, list[str]] = {}
    for group_version in group_versions(resources):
        if "/" in group_version:
            group, _, version = group_version.partition("/")
            groups.setdefault(group, []).append(version)
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": group,
                "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                "preferredVersion": {
                    "groupVersion": f"{group}/{versions[0]}",
                    "version": versions[0],
                },
            }
            for group, versions in groups.items()
        ],
    }


def resource_list(group_version: str, resources: Iterable[Resource]) -> dict[str, Any] | None:
    """The ``APIResourceList`` of a group-version, or None if nothing is served there."""
    entries: list[dict[str, Any]] = []
    for r in resources:
        if r.api_version != group_version:
            continue
        entry: dict[str, Any] = {
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": list(r.verbs),
        }
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        entries.append(entry)
        for sub in r.subresources:
            sub_entry: dict[str, Any] = {
                "name": f"{r.plural}/{sub}",
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": _SUB_VERBS.get(sub, ["get"]),
            }
            if sub in _SUB_KINDS:
                kind, group, version = _SUB_KINDS[sub]
                sub_entry["kind"] = kind
                if (group, version) != (r.group, r.version):
                    sub_entry["group"], sub_entry["version"] = group, version
            entries.append(sub_entry)
    if not entries:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": entries,
    }
