from __future__ import annotations

import pytest
from microkube_controllers.nodeipam.options import parse_options


def test_defaults() -> None:
    options = parse_options(None)
    assert options.allocate
    assert options.ranges == (("10.244.0.0/16", 24),)
    assert options.service_cidrs == ("10.96.0.0/12",)


def test_dual_stack_masks() -> None:
    options = parse_options(
        {"cluster-cidr": "10.1.0.0/16,fd00::/48", "node-cidr-mask-size-ipv6": 80}
    )
    assert options.ranges == (("10.1.0.0/16", 24), ("fd00::/48", 80))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cluster-cidr": "10.1.0.0/33"}, "option cluster-cidr"),
        ({"cluster-cidr": "10.1.0.0/16,10.2.0.0/16"}, "at most one CIDR per IP family"),
        ({"cluster-cidr": "10.1.0.0/16,fd00::/48", "node-cidr-mask-size": 24}, "dual-stack"),
        ({"node-cidr-mask-size": "x"}, "option node-cidr-mask-size: expected an integer"),
        ({"allocate-node-cidrs": "yes"}, "option allocate-node-cidrs"),
    ],
)
def test_bad_options_name_the_option(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_options(values)
