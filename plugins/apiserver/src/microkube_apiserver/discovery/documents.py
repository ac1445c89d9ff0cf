"""Discovery documents built from a :class:`~.catalogue.Catalogue`.

- ``GET /version``: :func:`version_info`. The server reports Kubernetes 1.32 because
  ``/usr/bin/kubectl`` is a dispatcher that re-executes the kubectl matching the server's
  ``minor``; any other value silently runs another kubectl (DESIGN.md §5).
- ``GET /api``, ``GET /apis``: :func:`api_versions`/:func:`api_group_list` (legacy) or
  :func:`aggregated_discovery` (``APIGroupDiscoveryList``, v2 or v2beta1), as
  :func:`~.negotiation.negotiate` decides.
- ``GET /api/v1``, ``GET /apis/<g>/<v>``: :func:`resource_list` (``APIResourceList``), still
  needed next to aggregated discovery (``kubectl drain`` looks up ``pods/eviction`` there).
- ``GET /apis/<g>``: :func:`api_group`.
"""

from __future__ import annotations

from typing import Any

from microkube_apiserver.discovery.catalogue import Catalogue, Resource
from microkube_apiserver.discovery.negotiation import AGGREGATED_GROUP

__all__ = [
    "KUBERNETES_VERSION",
    "aggregated_discovery",
    "api_group",
    "api_group_list",
    "api_versions",
    "resource_list",
    "version_info",
]

#: The Kubernetes release whose API microkube serves.
KUBERNETES_VERSION = "v1.32.4"


def version_info(git_version: str = KUBERNETES_VERSION) -> dict[str, str]:
    """The ``version.Info`` of ``GET /version`` (and ``/version/``, as the Python client asks)."""
    major, minor = git_version.removeprefix("v").split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "microkube",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:02:27Z",
        "goVersion": "go1.23.6",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(server_address: str | None = None) -> dict[str, Any]:
    """Legacy ``GET /api``: the core versions, and where clients reach the server."""
    cidrs = [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}] if server_address else []
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": cidrs}


def _group_version(group: str, version: str) -> dict[str, str]:
    return {"groupVersion": f"{group}/{version}", "version": version}


def api_group(catalogue: Catalogue, group: str) -> dict[str, Any] | None:
    """``GET /apis/<group>``: one ``APIGroup``, or None when the group is not served."""
    versions = catalogue.versions(group) if group else []
    if not versions:
        return None
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        **_group_entry(group, versions),
    }


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    return {
        "name": group,
        "versions": [_group_version(group, v) for v in versions],
        "preferredVersion": _group_version(group, versions[0]),
    }


def api_group_list(catalogue: Catalogue) -> dict[str, Any]:
    """Legacy ``GET /apis``: every named group with its versions, preferred first."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_entry(g, catalogue.versions(g)) for g in catalogue.groups()],
    }


def _legacy_entries(resource: Resource) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if "get" in resource.verbs:  # stored kinds only; create-only ``bindings`` has none
        entry["storageVersionHash"] = resource.storage_version_hash
    entries = [entry]
    for sub in sorted(resource.subresources, key=lambda s: s.name):
        gvk = resource.subresource_gvk(sub)
        sub_entry: dict[str, Any] = {
            "name": f"{resource.plural}/{sub.name}",
            "singularName": "",
            "namespaced": resource.namespaced,
            "kind": sub.kind,
            "verbs": list(sub.verbs),
        }
        if (gvk.group, gvk.version) != (resource.group, resource.version):
            sub_entry["group"], sub_entry["version"] = gvk.group, gvk.version
        entries.append(sub_entry)
    return entries


def resource_list(catalogue: Catalogue, group: str, version: str) -> dict[str, Any] | None:
    """``GET /api/v1`` or ``/apis/<g>/<v>``: the ``APIResourceList``, subresources as
    ``parent/sub`` entries; None when nothing is served there."""
    resources = catalogue.in_group_version(group, version)
    if not resources:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": [e for r in resources for e in _legacy_entries(r)],
    }


def _aggregated_resource(resource: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": resource.plural,
        "responseKind": resource.gvk.to_dict(),
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if resource.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": resource.subresource_gvk(sub).to_dict(),
                "verbs": list(sub.verbs),
            }
            for sub in sorted(resource.subresources, key=lambda s: s.name)
        ]
    return entry


def aggregated_discovery(
    catalogue: Catalogue, *, core: bool, version: str = "v2"
) -> dict[str, Any]:
    """The ``APIGroupDiscoveryList`` of ``GET /api`` (``core=True``) or ``GET /apis``.

    ``version`` is ``v2`` or ``v2beta1``; the two have the same shape.
    """
    if version not in ("v2", "v2beta1"):
        raise ValueError(f"aggregated discovery has no version {version!r}")
    groups = [""] if core else catalogue.groups()
    items = []
    for group in groups:
        versions = catalogue.versions(group)
        if not versions:
            continue
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group:
            metadata["name"] = group
        items.append(
            {
                "metadata": metadata,
                "versions": [
                    {
                        "version": v,
                        "resources": [
                            _aggregated_resource(r) for r in catalogue.in_group_version(group, v)
                        ],
                        "freshness": "Current",
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"{AGGREGATED_GROUP}/{version}",
        "metadata": {},
        "items": items,
    }
