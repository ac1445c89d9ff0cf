"""The call recorder and error injection every fake uses."""

from __future__ import annotations

import asyncio

import pytest

from microkube.testing.recording import Call, Recorded, Recorder, recorded


class Thing(Recorded):
    @recorded
    async def fetch(self, key: str, *, fresh: bool = False) -> str:
        return f"value of {key}"

    @recorded
    def peek(self, key: str) -> str:
        return key.upper()


async def test_calls_are_recorded_in_order() -> None:
    thing = Thing()
    await thing.fetch("a")
    thing.peek("b")
    await thing.fetch("c", fresh=True)
    assert thing.calls == [
        Call("fetch", ("a",), {}),
        Call("peek", ("b",), {}),
        Call("fetch", ("c",), {"fresh": True}),
    ]
    assert [c.args for c in thing.calls_to("fetch")] == [("a",), ("c",)]
    assert thing.recorder.called("peek") and not thing.recorder.called("other")


async def test_fail_raises_for_the_next_n_calls() -> None:
    thing = Thing()
    thing.fail("fetch", KeyError("boom"), times=2)
    for _ in range(2):
        with pytest.raises(KeyError):
            await thing.fetch("a")
    assert await thing.fetch("a") == "value of a"
    assert len(thing.calls_to("fetch")) == 3, "failed calls are recorded too"


async def test_failures_queue_in_order_and_classes_are_instantiated() -> None:
    thing = Thing()
    thing.fail("peek", ValueError)
    thing.fail("peek", KeyError("second"))
    with pytest.raises(ValueError):
        thing.peek("x")
    with pytest.raises(KeyError):
        thing.peek("x")
    assert thing.peek("x") == "X"


async def test_fail_forever_until_cleared() -> None:
    thing = Thing()
    thing.fail("fetch", OSError("down"), times=None)
    for _ in range(3):
        with pytest.raises(OSError):
            await thing.fetch("a")
    thing.clear_failures("fetch")
    assert await thing.fetch("a") == "value of a"


async def test_fail_checks_the_method_name() -> None:
    with pytest.raises(AttributeError, match="fecth"):
        Thing().fail("fecth", KeyError())
    with pytest.raises(ValueError):
        Thing().fail("fetch", KeyError(), times=0)


async def test_delay_slows_coroutine_methods_only() -> None:
    thing = Thing()
    thing.delay("fetch", 0.05)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await thing.fetch("a")
    assert loop.time() - start >= 0.05
    thing.delay("fetch", 0)
    start = loop.time()
    await thing.fetch("a")
    assert loop.time() - start < 0.05
    with pytest.raises(TypeError):
        thing.delay("peek", 1)


async def test_delayed_call_is_recorded_before_it_completes() -> None:
    thing = Thing()
    thing.delay("fetch", 10)
    task = asyncio.create_task(thing.fetch("slow"))
    await asyncio.sleep(0)
    assert thing.calls_to("fetch") == [Call("fetch", ("slow",), {})]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_reset_forgets_calls_but_keeps_failures() -> None:
    recorder = Recorder()
    recorder.record("m", (1,), {})
    recorder.fail("m", KeyError)
    recorder.reset()
    assert recorder.calls == []
    with pytest.raises(KeyError):
        recorder.check_failure("m")


def test_each_fake_has_its_own_recorder() -> None:
    one, two = Thing(), Thing()
    one.peek("a")
    assert two.calls == []
