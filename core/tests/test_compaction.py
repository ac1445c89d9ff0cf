"""The periodic compactor's choice of revision (a fake clock, no storage needed)."""

from __future__ import annotations

from microkube.compaction import Compactor
from microkube.contracts.storage import CompactedError


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_compactor_keeps_whichever_rule_retains_more():
    clock = _Clock()
    state = {"revision": 50, "compacted": 0}
    compacted: list[int] = []

    async def compact(revision: int) -> None:
        compacted.append(revision)
        state["compacted"] = revision

    compactor = Compactor(
        compact,
        revision=lambda: state["revision"],
        compacted=lambda: state["compacted"],
        interval=60,
        retain_revisions=10,
        retain_seconds=300,
        clock=clock,
    )
    compactor.sample()  # revision 50 at t=100
    clock.now += 200
    state["revision"] = 80
    assert await compactor.tick() is None  # no sample is 300 s old yet
    clock.now += 150
    state["revision"] = 200
    # The sample from 350 s ago (50) keeps more than "the last 10" (190) would.
    assert await compactor.tick() == 50
    clock.now += 400
    state["revision"] = 205
    # Now the 300-s-old sample is 200, but the last 10 revisions reach back to 195.
    assert await compactor.tick() == 195
    assert compacted == [50, 195]
    assert await compactor.tick() is None  # nothing new may go


async def test_compaction_overtaken_by_another_is_not_an_error():
    async def compact(revision: int) -> None:
        raise CompactedError(revision, revision + 5)

    compactor = Compactor(
        compact,
        revision=lambda: 100,
        compacted=lambda: 0,
        interval=60,
        retain_revisions=10,
        retain_seconds=0,
    )
    assert await compactor.tick() is None
