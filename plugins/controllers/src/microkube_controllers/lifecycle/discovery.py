"""What the API server serves, from discovery: the resources the namespace controller empties
and the garbage collector watches.

As client-go's ``ServerPreferredResources``: the preferred version of every group; a group
whose discovery fails is reported (by group-version) and the others are still returned.
"""

from __future__ import annotations

import attrs

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError
from microkube.client.resources import Resource


@attrs.frozen
class Discovered:
    resources: tuple[Resource, ...]
    #: ``group/version: error`` of each group-version whose discovery failed
    failures: tuple[str, ...] = ()


async def preferred_resources(client: ApiClient) -> Discovered:
    """Every resource (no subresources) of every group's preferred version."""
    found: list[Resource] = []
    failures: list[str] = []
    for group_version in await client.group_versions():
        try:
            found.extend(await client.discover(group_version))
        except (ApiError, OSError, ValueError) as exc:
            failures.append(f"{group_version}: {exc}")
    return Discovered(tuple(found), tuple(failures))


def supports(resource: Resource, *verbs: str) -> bool:
    return all(verb in resource.verbs for verb in verbs)
