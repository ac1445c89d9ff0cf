"""The hollow runtime's options."""

from __future__ import annotations

import pytest
from microkube_cri_hollow.options import parse_options

from microkube.config import ConfigError


def test_dashed_keys() -> None:
    options = parse_options({"start-delay": 2, "pod-cidr": "10.1.0.0/24", "exit-after": 5})
    assert (options.start_delay, options.pod_cidr, options.exit_after) == (2, "10.1.0.0/24", 5)


def test_bad_values_name_the_key() -> None:
    with pytest.raises(ConfigError, match="pod-cidr"):
        parse_options({"pod-cidr": "not a network"})
    with pytest.raises(ConfigError, match="start-dealy"):
        parse_options({"start-dealy": 1})
    with pytest.raises(ConfigError, match="start-delay"):
        parse_options({"start-delay": -1})
