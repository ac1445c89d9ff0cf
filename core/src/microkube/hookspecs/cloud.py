"""Cloud providers (entry-point group ``microkube.cloud``)."""

from __future__ import annotations

from microkube.contracts.cloud import CloudProvider
from microkube.contracts.registration import Factory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_cloud_providers() -> dict[str, Factory[CloudProvider]]:
    """Register cloud providers: ``{name: factory}``.

    Configuration ``cloud: <name>`` selects one for the cloud controller manager; its factory
    returns a :class:`~microkube.contracts.cloud.CloudProvider` whose capability accessors
    return None for what the cloud does not support.
    """
