"""The LLM gate: at most `limit` calls at once; a 429 halves the limit (once per interval), calls that go
through grow it back by one per window, up to the maximum."""

from __future__ import annotations

import asyncio

import pytest

from web import clock
from web.coach.gate import AdaptiveGate


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()


async def test_a_429_halves_the_limit_once_per_interval_and_successes_grow_it_back() -> None:
    seen: list[int] = []
    gate = AdaptiveGate(8, cut_interval=1.0, on_change=seen.append)
    gate.throttled()
    gate.throttled()  # the same wave of 429s: one cut
    assert gate.limit == 4
    clock.advance(1.0)
    gate.throttled()
    assert gate.limit == 2
    for _ in range(2):  # a window of 2 calls through: 3
        async with gate:
            pass
    assert gate.limit == 3
    for _ in range(3 + 4 + 5):
        async with gate:
            pass
    assert gate.limit == 6
    for _ in range(100):
        async with gate:
            pass
    assert gate.limit == 8  # never above the maximum
    assert seen == [4, 2, 3, 4, 5, 6, 7, 8]
    for _ in range(10):
        gate.throttled()
        clock.advance(1.0)
    assert gate.limit == 1  # never below one


async def test_calls_wait_while_the_limit_is_full_and_start_when_it_grows() -> None:
    gate = AdaptiveGate(4)
    gate.throttled()  # limit 2
    entered = asyncio.Event()
    release = asyncio.Event()
    started: list[int] = []

    async def call(n: int) -> None:
        async with gate:
            started.append(n)
            if len(started) == 2:
                entered.set()
            await release.wait()

    tasks = [asyncio.create_task(call(n)) for n in range(3)]
    await entered.wait()  # the three calls have all run up to the gate by now (tasks start in order)
    assert len(started) == 2 and gate.in_flight == 2  # the third waits behind the limit
    release.set()
    await asyncio.gather(*tasks)
    assert len(started) == 3 and gate.in_flight == 0


async def test_a_failed_call_frees_its_place_without_growing_the_limit() -> None:
    gate = AdaptiveGate(4)
    gate.throttled()
    with pytest.raises(RuntimeError):
        async with gate:
            raise RuntimeError("the call failed")
    assert gate.in_flight == 0 and gate.limit == 2
