"""The controller manager's options: its ``options.controller-manager`` configuration section.

```yaml
options:
  controller-manager:
    kubeconfig: null              # default <data-dir>/kubeconfig
    controllers: "*"              # kube-controller-manager's --controllers syntax
    workers: 5                    # concurrent syncs per controller
    concurrent-syncs: {deployment: 10}
    leader-elect: true
    leader-elect-lease-duration: 15
    leader-elect-renew-deadline: 10
    leader-elect-retry-period: 2
    leader-elect-resource-namespace: kube-system
    leader-elect-resource-name: kube-controller-manager
    controller-options: {node-monitor-grace-period: 40s}
```

``controller-options`` is handed to every controller as ``ControllerContext.options``: a
mapping keyed by kube-controller-manager flag names, which each controller reads for itself.
Unknown keys and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import positive, structure_options

__all__ = ["ControllerManagerOptions", "parse_options"]


def _leader_timing(
    instance: ControllerManagerOptions, attribute: attrs.Attribute, value: Any
) -> None:
    if instance.leader_elect_lease_duration <= instance.leader_elect_renew_deadline:
        raise ValueError(
            "leader-elect-lease-duration must be greater than leader-elect-renew-deadline"
        )
    if instance.leader_elect_renew_deadline <= 1.2 * instance.leader_elect_retry_period:
        raise ValueError(
            "leader-elect-renew-deadline must be greater than 1.2 x leader-elect-retry-period"
        )


def _concurrent(instance: object, attribute: attrs.Attribute, value: Mapping[str, int]) -> None:
    for name, workers in value.items():
        if workers < 1:
            raise ValueError(f"concurrent-syncs.{name} must be at least 1, got {workers}")


@attrs.frozen(kw_only=True)
class ControllerManagerOptions:
    #: Kubeconfig of the API server; default ``<data-dir>/kubeconfig``.
    kubeconfig: str | None = None
    #: Which controllers run: ``*`` (every default-on one), ``name``, ``-name``, comma-separated.
    controllers: str = "*"
    #: Workers per controller unless ``concurrent-syncs`` names it.
    workers: int = attrs.field(default=5, validator=positive)
    #: Workers of individual controllers by name (``--concurrent-deployment-syncs`` & co).
    concurrent_syncs: dict[str, int] = attrs.field(factory=dict, validator=_concurrent)
    #: Run only while holding the Lease (two managers: one acts, one stands by).
    leader_elect: bool = True
    leader_elect_lease_duration: float = attrs.field(default=15.0, validator=positive)
    leader_elect_renew_deadline: float = attrs.field(default=10.0, validator=positive)
    leader_elect_retry_period: float = attrs.field(
        default=2.0, validator=[positive, _leader_timing]
    )
    leader_elect_resource_namespace: str = "kube-system"
    leader_elect_resource_name: str = "kube-controller-manager"
    #: Handed to every controller as ``ControllerContext.options`` (flag names as keys).
    controller_options: dict[str, Any] = attrs.field(factory=dict)

    def workers_for(self, name: str) -> int:
        return self.concurrent_syncs.get(name, self.workers)


def parse_options(options: Mapping[str, Any]) -> ControllerManagerOptions:
    """Validate the ``controller-manager`` options section (empty gives the defaults)."""
    return structure_options(ControllerManagerOptions, options, "options.controller-manager")
