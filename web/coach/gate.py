"""How many LLM calls this process has in flight: up to LLM_MAX_CONCURRENCY, cut in half when the
provider answers 429 and grown back by one for each window of calls that went through (AIMD, as TCP
does). The openai SDK still honours each 429's Retry-After for the call that got it; the gate keeps the
calls that have not started yet from making the next 429 worse.

Every 429 the HTTP client sees (retries included) is reported with `throttled()`; the limit is cut at
most once per `cut_interval` seconds, so a burst of 429s from one wave of calls halves it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType

from web.clock import monotonic

CUT_INTERVAL_SECONDS = 1.0


class AdaptiveGate:
    def __init__(
        self,
        maximum: int,
        *,
        cut_interval: float = CUT_INTERVAL_SECONDS,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        if maximum < 1:
            raise ValueError("maximum must be at least 1")
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.cut_interval = cut_interval
        self.on_change = on_change
        self._successes = 0
        self._last_cut: float | None = None
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> AdaptiveGate:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        async with self._changed:
            self.in_flight -= 1
            if exc is None:
                self._succeeded()
            self._changed.notify_all()

    def throttled(self) -> None:
        """The provider said 429: halve the limit (at most once per cut interval)."""
        at = monotonic()
        if self._last_cut is not None and at - self._last_cut < self.cut_interval:
            return
        self._last_cut = at
        self._successes = 0
        self._set(max(1, self.limit // 2))

    def _succeeded(self) -> None:
        self._successes += 1
        if self.limit < self.maximum and self._successes >= self.limit:
            self._successes = 0
            self._set(self.limit + 1)

    def _set(self, limit: int) -> None:
        if limit != self.limit:
            self.limit = limit
            if self.on_change is not None:
                self.on_change(limit)
