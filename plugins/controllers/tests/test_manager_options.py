"""The ``controller-manager`` options section: defaults and readable errors."""

from __future__ import annotations

import pytest
from microkube_controllers.manager.options import parse_options

from microkube.config import ConfigError


def test_defaults_are_kube_controller_managers():
    options = parse_options({})
    assert options.controllers == "*"
    assert options.leader_elect is True
    assert (
        options.leader_elect_lease_duration,
        options.leader_elect_renew_deadline,
        options.leader_elect_retry_period,
    ) == (15.0, 10.0, 2.0)
    assert options.leader_elect_resource_namespace == "kube-system"
    assert options.leader_elect_resource_name == "kube-controller-manager"
    assert options.workers_for("deployment") == 5


def test_concurrent_syncs_per_controller():
    options = parse_options({"workers": 2, "concurrent-syncs": {"deployment": 10}})
    assert options.workers_for("deployment") == 10
    assert options.workers_for("replicaset") == 2


def test_errors_name_the_key():
    with pytest.raises(ConfigError, match="unknown key 'leader-elekt'"):
        parse_options({"leader-elekt": True})
    with pytest.raises(ConfigError, match="lease-duration must be greater"):
        parse_options({"leader-elect-lease-duration": 5, "leader-elect-renew-deadline": 5})
    with pytest.raises(ConfigError, match="retry-period"):
        parse_options({"leader-elect-renew-deadline": 2, "leader-elect-retry-period": 2})
    with pytest.raises(ConfigError, match=r"concurrent-syncs\.job must be at least 1"):
        parse_options({"concurrent-syncs": {"job": 0}})
