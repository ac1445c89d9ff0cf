from __future__ import annotations

import pytest
from microkube_controllers.nodeipam.cidrset import CidrSet, CidrSetFull


def test_allocates_in_order_and_wraps_after_release() -> None:
    cidrs = CidrSet("10.244.0.0/22", 24)
    got = [cidrs.allocate_next() for _ in range(4)]
    assert got == ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]
    with pytest.raises(CidrSetFull, match="no remaining CIDRs"):
        cidrs.allocate_next()
    cidrs.release("10.244.1.0/24")
    assert cidrs.allocate_next() == "10.244.1.0/24"
    assert cidrs.allocated == 4


def test_a_released_cidr_is_not_handed_out_again_at_once() -> None:
    cidrs = CidrSet("10.244.0.0/16", 24)
    first = cidrs.allocate_next()
    cidrs.release(first)
    assert cidrs.allocate_next() == "10.244.1.0/24"


def test_occupy_marks_every_node_cidr_a_larger_cidr_covers() -> None:
    cidrs = CidrSet("10.96.0.0/11", 24)  # overlaps a 10.96.0.0/12 Service CIDR
    cidrs.occupy("10.96.0.0/12")
    assert cidrs.allocated == 4096
    assert cidrs.allocate_next() == "10.112.0.0/24"
    assert cidrs.is_used("10.96.5.0/24")


def test_out_of_range_and_bad_masks_are_errors() -> None:
    cidrs = CidrSet("10.244.0.0/16", 24)
    with pytest.raises(ValueError, match="out the range"):
        cidrs.occupy("192.168.0.0/24")
    with pytest.raises(ValueError, match="larger than"):
        CidrSet("10.244.0.0/16", 8)
    with pytest.raises(ValueError, match="2\\^16"):
        CidrSet("10.0.0.0/8", 26)


def test_ipv6() -> None:
    cidrs = CidrSet("fd00:10:244::/56", 64)
    assert cidrs.allocate_next() == "fd00:10:244::/64"
    assert cidrs.allocate_next() == "fd00:10:244:1::/64"
