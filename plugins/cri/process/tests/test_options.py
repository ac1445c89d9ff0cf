"""The process runtime's options."""

from __future__ import annotations

import pytest
from microkube_cri_process.options import parse_options

from microkube.config import ConfigError


def test_defaults_and_dashed_keys() -> None:
    options = parse_options({})
    assert (options.netns_dir, options.cgroups, options.root_dir) == ("/run/netns", True, None)
    assert parse_options({"netns-dir": "/tmp/x"}).netns_dir == "/tmp/x"


def test_unknown_keys_name_the_key_and_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"'cgroup-parnet'.*cgroup-parent"):
        parse_options({"cgroup-parnet": "/x"})
