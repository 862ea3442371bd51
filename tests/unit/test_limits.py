"""The rate-limit counter slides: hits are counted over the last window, wherever the minute ends."""

from __future__ import annotations

import math

import pytest

from web import clock
from web.limits import WindowCounter


@pytest.fixture(autouse=True)
def _clock():
    clock.reset()
    yield
    clock.reset()


def _to_just_before_a_minute(seconds_left: float = 0.5) -> None:
    at = clock.timestamp()
    clock.advance(math.ceil(at / 60) * 60 - at - seconds_left)


async def _burst_across_a_minute(counter: WindowCounter, key: str) -> list[int]:
    _to_just_before_a_minute()
    counts = [(await counter.hit(key, 60))[0] for _ in range(10)]  # the end of one minute
    clock.advance(1.0)  # the next calendar minute has begun
    counts += [(await counter.hit(key, 60))[0] for _ in range(10)]
    return counts


async def test_a_burst_across_a_minute_boundary_counts_as_one_window() -> None:
    counts = await _burst_across_a_minute(WindowCounter(), "auth:1.2.3.4")
    assert counts[-1] == 20  # a fixed calendar-minute window would say 10 here


async def test_hits_leave_the_window_as_it_slides_and_reset_says_when() -> None:
    counter = WindowCounter()
    assert await counter.hit("k", 60) == (1, 60)
    clock.advance(30)
    assert await counter.hit("k", 60) == (2, 30)  # the first hit leaves in 30 s
    clock.advance(31)
    assert (await counter.hit("k", 60))[0] == 2  # the first hit has left


async def test_memory_keys_expire() -> None:
    counter = WindowCounter()
    counter.SWEEP_EVERY = 5
    for n in range(4):
        await counter.hit(f"old{n}", 60)
    clock.advance(61)
    await counter.hit("new", 60)  # the fifth hit sweeps
    assert set(counter._memory) == {"new"}
