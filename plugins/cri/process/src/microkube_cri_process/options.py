"""The ``process`` runtime's options: its section of the configuration, validated here.

Keys are dashed as in the rest of the configuration; unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import structure_options


@attrs.frozen(kw_only=True)
class ProcessOptions:
    #: Where sandboxes, containers and image records are kept (default:
    #: ``<data-dir>/cri-process``; one per node).
    root_dir: str | None = None
    #: Where pod network namespaces are pinned (``ip netns`` looks in /run/netns).
    netns_dir: str = "/run/netns"
    #: The cgroup under which container cgroups are made, relative to each hierarchy
    #: (default: the runtime's own cgroup + ``/microkube``).
    cgroup_parent: str | None = None
    #: Enforce ``resources.limits`` through cgroups (when the host lets us).
    cgroups: bool = True
    #: Stop every pod when the runtime closes (for tests and throwaway clusters). By default
    #: pods outlive the runtime's process, as containers outlive a kubelet restart.
    stop_pods_on_close: bool = False
    #: The IP reported for host-network pods (default: the host's primary address).
    node_ip: str | None = None


def parse_options(options: Mapping[str, Any]) -> ProcessOptions:
    """Validate the ``process`` options section (an empty mapping gives the defaults)."""
    return structure_options(ProcessOptions, options, "options.process")
