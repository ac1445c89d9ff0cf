"""Lease-based leader election with two electors against the fake API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from microkube.client import ApiClient, ConflictError, LeaderElector, LeaseLock
from microkube.client.leaderelection import (
    LeaderElectionRecord,
    format_microtime,
    parse_microtime,
)
from microkube.client.resources import LEASES
from microkube.testing.fakeapi import FakeApiServer

TIMING = {"lease_duration": 1.0, "renew_deadline": 0.5, "retry_period": 0.1}
LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl"


class Candidate:
    """One elector with its callbacks recorded."""

    def __init__(self, api: ApiClient, identity: str, **options) -> None:
        self.identity = identity
        self.leading = asyncio.Event()
        self.work_cancelled = asyncio.Event()
        self.stopped = asyncio.Event()
        self.leaders_seen: list[str] = []
        self.elector = LeaderElector(
            LeaseLock(api, "kube-system", "ctrl", identity),
            on_started_leading=self._lead,
            on_stopped_leading=self.stopped.set,
            on_new_leader=self.leaders_seen.append,
            **{**TIMING, **options},
        )
        self.task: asyncio.Task[None] | None = None

    async def _lead(self) -> None:
        self.leading.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.work_cancelled.set()
            raise

    def start(self) -> Candidate:
        self.task = asyncio.create_task(self.elector.run())
        return self

    async def cancel(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def two(server: FakeApiServer) -> AsyncIterator[tuple[Candidate, Candidate]]:
    async with server.api_client() as api_a, server.api_client() as api_b:
        pair = (Candidate(api_a, "a"), Candidate(api_b, "b"))
        yield pair
        for candidate in pair:
            if candidate.task is not None:
                await candidate.cancel()


async def first_leader(pair: tuple[Candidate, Candidate]) -> tuple[Candidate, Candidate]:
    waits = {asyncio.ensure_future(c.leading.wait()): c for c in pair}
    async with asyncio.timeout(2):
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for future in pending:
        future.cancel()
    leader = waits[done.pop()]
    return leader, pair[1] if leader is pair[0] else pair[0]


async def never_both_lead(pair: tuple[Candidate, Candidate], seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        assert not (pair[0].elector.is_leader() and pair[1].elector.is_leader())
        await asyncio.sleep(0.02)


async def lease(server: FakeApiServer) -> dict:
    found = server.get_object(LEASES, "ctrl", "kube-system")
    assert found is not None
    return found["spec"]


async def test_only_one_leads_and_the_other_sees_it(two, server: FakeApiServer) -> None:
    for candidate in two:
        candidate.start()
    leader, follower = await first_leader(two)
    await never_both_lead(two, 0.5)
    assert leader.elector.is_leader() and not follower.leading.is_set()
    assert follower.elector.leader == leader.identity
    assert follower.leaders_seen == [leader.identity]
    spec = await lease(server)
    assert spec["holderIdentity"] == leader.identity and spec["leaseDurationSeconds"] == 1
    assert spec["leaseTransitions"] == 0
    parse_microtime(spec["renewTime"])


async def test_failover_after_the_leader_stops_renewing(two, server: FakeApiServer) -> None:
    for candidate in two:
        candidate.start()
    leader, follower = await first_leader(two)
    await leader.cancel()  # no release: the lease must expire first
    assert leader.work_cancelled.is_set() and leader.stopped.is_set()
    assert (await lease(server))["holderIdentity"] == leader.identity
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(3):
        await follower.leading.wait()
    assert loop.time() - started >= 0.5  # it waited for the lease to expire
    spec = await lease(server)
    assert spec["holderIdentity"] == follower.identity and spec["leaseTransitions"] == 1


async def test_release_on_cancel_hands_over_at_once(server: FakeApiServer) -> None:
    async with server.api_client() as api_a, server.api_client() as api_b:
        leader = Candidate(api_a, "a", release_on_cancel=True).start()
        async with asyncio.timeout(2):
            await leader.leading.wait()
        follower = Candidate(api_b, "b").start()
        await asyncio.sleep(0.15)
        await leader.cancel()
        assert (await lease(server))["holderIdentity"] == ""
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(2):
            await follower.leading.wait()
        assert loop.time() - started < 0.8  # well before the 1 s lease would have expired
        await follower.cancel()
        assert follower.leaders_seen[:1] == ["a"] and follower.leaders_seen[-1] == "b"


async def test_leader_gives_up_when_it_cannot_renew(two, server: FakeApiServer) -> None:
    leader = two[0].start()
    async with asyncio.timeout(2):
        await leader.leading.wait()
    server.fail_next("PUT", LEASE_PATH, 500, "InternalError", times=1000)
    async with asyncio.timeout(2):
        await leader.stopped.wait()
    assert leader.work_cancelled.is_set()
    assert leader.task is not None and leader.task.done()


async def test_stale_writes_conflict(server: FakeApiServer) -> None:
    async with server.api_client() as api:
        lock_a = LeaseLock(api, "kube-system", "ctrl", "a")
        lock_b = LeaseLock(api, "kube-system", "ctrl", "b")
        await lock_a.create(LeaderElectionRecord("a", 1))
        await lock_b.get()
        await lock_a.update(LeaderElectionRecord("a", 1, renew_time=format_microtime()))
        with pytest.raises(ConflictError):
            await lock_b.update(LeaderElectionRecord("b", 1, leader_transitions=1))


async def test_configuration_is_validated(api: ApiClient) -> None:
    lock = LeaseLock(api, "kube-system", "ctrl", "me")

    async def lead() -> None:
        return None

    cases = [
        ({"lease_duration": 1, "renew_deadline": 1, "retry_period": 0.1}, "lease_duration"),
        ({"lease_duration": 2, "renew_deadline": 1, "retry_period": 1}, "JitterFactor"),
        ({"lease_duration": 2, "renew_deadline": 1, "retry_period": -1}, "positive"),
    ]
    for timing, message in cases:
        with pytest.raises(ValueError, match=message):
            LeaderElector(lock, on_started_leading=lead, **timing)
    with pytest.raises(ValueError, match="identity"):
        LeaderElector(LeaseLock(api, "ns", "x", ""), on_started_leading=lead)


def test_microtime_format() -> None:
    moment = datetime(2006, 1, 2, 15, 4, 5, 123, tzinfo=UTC)
    assert format_microtime(moment) == "2006-01-02T15:04:05.000123Z"
    assert parse_microtime("2006-01-02T15:04:05.000123Z") == moment
    assert parse_microtime("2006-01-02T15:04:05Z").microsecond == 0
    with pytest.raises(ValueError):
        parse_microtime("yesterday")
    record = LeaderElectionRecord.from_lease_spec(
        {"holderIdentity": "x", "leaseDurationSeconds": 15, "leaseTransitions": 2}
    )
    assert record.to_lease_spec() == {
        "holderIdentity": "x",
        "leaseDurationSeconds": 15,
        "leaseTransitions": 2,
    }
