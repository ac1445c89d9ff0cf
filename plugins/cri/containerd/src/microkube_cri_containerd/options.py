"""The ``containerd`` runtime's options: its section of the configuration, validated here.

Keys are dashed as in the rest of the configuration; unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import structure_options

__all__ = ["ContainerdOptions", "parse_options"]


def _percent(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= 100:
        raise ValueError(f"{attribute.name.replace('_', '-')} must be 0..100, not {value}")


@attrs.frozen(kw_only=True)
class ContainerdOptions:
    #: The CRI socket of a running containerd (``/run/containerd/containerd.sock``). Unset:
    #: the runtime starts and supervises its own containerd under ``root-dir``.
    address: str | None = None
    #: Where an own containerd keeps its config, state and images (default:
    #: ``<data-dir>/containerd``).
    root_dir: str | None = None
    #: Run an own containerd in a network namespace of its own (the pod bridge then stays
    #: out of the host's network; pods are reached through port-forward).
    own_network_namespace: bool = False
    #: The pod CIDR given to containerd's CNI template (CRI ``UpdateRuntimeConfig``) at start,
    #: until the kubelet passes the Node's ``spec.podCIDR``.
    pod_cidr: str | None = None
    #: The sandbox ("pause") image an own containerd is configured with; built from
    #: busybox-static and imported at start when missing.
    sandbox_image: str = "localhost/pause:local"
    #: Pod cgroups go under ``<cgroup-parent>/pod<uid>`` (cgroupfs); empty: containerd's
    #: default ``/k8s.io/<sandbox id>``.
    cgroup_parent: str = ""
    #: Seconds a unary CRI call may take (image pulls excepted).
    request_timeout: float = 30.0
    #: Seconds an image pull may take.
    pull_timeout: float = 300.0
    #: Image garbage collection, as the kubelet's: above ``high`` percent of the image
    #: filesystem used, unused images are removed (least recently used first) down to ``low``.
    image_gc_high_threshold_percent: int = attrs.field(default=85, validator=_percent)
    image_gc_low_threshold_percent: int = attrs.field(default=80, validator=_percent)
    #: Seconds between image-GC checks (0 disables image GC).
    image_gc_period: float = 300.0
    #: Stop and remove every pod when the runtime closes (tests, throwaway clusters).
    stop_pods_on_close: bool = False

    def __attrs_post_init__(self) -> None:
        if self.image_gc_low_threshold_percent > self.image_gc_high_threshold_percent:
            raise ValueError(
                "image-gc-low-threshold-percent must not exceed image-gc-high-threshold-percent"
            )


def parse_options(options: Mapping[str, Any]) -> ContainerdOptions:
    """Validate the ``containerd`` options section (an empty mapping gives the defaults)."""
    return structure_options(ContainerdOptions, options, "options.containerd")
