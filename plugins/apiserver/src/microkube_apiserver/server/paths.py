"""Resource URLs: ``/api/v1/...`` and ``/apis/<group>/<version>/...`` parsed into a target.

``[watch/][namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`` after the group-version;
``namespaces/<name>[/<sub>]`` is the Namespace itself. Segments are percent-decoded one by
one, so an encoded ``/`` inside a name never splits it.
"""

from __future__ import annotations

from urllib.parse import unquote

import attrs

from microkube_apiserver import errors
from microkube_apiserver.discovery import Catalogue, Resource

__all__ = ["ResourcePath", "not_found", "parse_resource_path"]


@attrs.frozen
class ResourcePath:
    resource: Resource
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    watch: bool = False


def not_found() -> errors.ApiError:
    return errors.ApiError(
        404, "NotFound", "the server could not find the requested resource", details={}
    )


def _segments(raw_path: str) -> list[str]:
    path = raw_path.split("?", 1)[0]
    return [unquote(p) for p in path.split("/") if p]


def parse_resource_path(raw_path: str, catalogue: Catalogue) -> ResourcePath | None:
    """The resource a path addresses; None when it is not a resource path at all (raises
    404 for a resource path naming nothing served)."""
    parts = _segments(raw_path)
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None  # a discovery document
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = catalogue.get(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise not_found()
    resource = catalogue.get(group, version, rest[0])
    if resource is None:
        raise not_found()
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if namespace and not resource.namespaced:
        raise not_found()
    if name and resource.namespaced and not namespace:
        raise not_found()
    if subresource and resource.subresource(subresource) is None:
        raise not_found()
    return ResourcePath(resource, namespace, name, subresource, watch)
