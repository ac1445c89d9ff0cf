"""Round-robin and ClientIP affinity, on a virtual clock."""

from __future__ import annotations

from microkube_proxy_userspace.balancer import Balancer

A, B, C = ("10.0.0.1", 80), ("10.0.0.2", 80), ("10.0.0.3", 80)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def first(balancer: Balancer, client: str = "1.1.1.1") -> tuple[str, int]:
    target = next(balancer.candidates(client))
    balancer.used(client, target)
    return target


def test_round_robin_visits_every_endpoint_in_turn() -> None:
    balancer = Balancer((A, B, C))
    assert [first(balancer) for _ in range(6)] == [A, B, C, A, B, C]


def test_candidates_list_every_endpoint_once_for_retries() -> None:
    assert sorted(Balancer((A, B, C)).candidates("1.1.1.1")) == [A, B, C]
    assert list(Balancer(()).candidates("1.1.1.1")) == []


def test_affinity_sticks_until_the_timeout_after_the_last_use() -> None:
    clock = Clock()
    balancer = Balancer((A, B, C), affinity_seconds=10, clock=clock)
    picked = first(balancer, "1.1.1.1")
    other = first(balancer, "2.2.2.2")
    assert other != picked
    clock.now += 9
    assert first(balancer, "1.1.1.1") == picked  # used again: the timeout restarts
    clock.now += 9
    assert first(balancer, "1.1.1.1") == picked
    assert balancer.affine("1.1.1.1") == picked
    clock.now += 11
    assert balancer.affine("1.1.1.1") is None
    assert balancer.affine("2.2.2.2") is None


def test_a_failed_affine_endpoint_is_forgotten() -> None:
    balancer = Balancer((A, B), affinity_seconds=60)
    picked = first(balancer)
    balancer.failed("1.1.1.1", picked)
    assert balancer.affine("1.1.1.1") is None
    assert sorted(balancer.candidates("1.1.1.1")) == [A, B]


def test_new_endpoints_drop_affinity_to_removed_ones() -> None:
    balancer = Balancer((A, B), affinity_seconds=60)
    balancer.used("1.1.1.1", A)
    balancer.used("2.2.2.2", B)
    balancer.set((B, C), affinity_seconds=60)
    assert balancer.affine("2.2.2.2") == B
    assert balancer.affine("1.1.1.1") is None
    balancer.set((B, C), affinity_seconds=0)  # affinity turned off: all forgotten
    balancer.set((B, C), affinity_seconds=60)
    assert balancer.affine("2.2.2.2") is None


def test_expire_drops_old_entries() -> None:
    clock = Clock()
    balancer = Balancer((A, B), affinity_seconds=10, clock=clock)
    balancer.used("1.1.1.1", A)
    clock.now += 11
    balancer.used("2.2.2.2", B)
    balancer.expire()
    clock.now -= 11  # even back in time, the expired entry is gone
    assert balancer.affine("1.1.1.1") is None
    assert balancer.affine("2.2.2.2") == B
