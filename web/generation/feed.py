"""One reader per job per process, fanned out to every stream of that job.

A stream subscribes to its job's `JobFeed`. The feed's single reader task waits for the job's wake-up
(in-process, or from another process over Redis), reads the new events once, keeps them, and wakes
every subscriber. For a write made by another process without Redis, one poll per `floor_seconds`
reads the last event id of every job this process watches in a single query and wakes the feeds that
are behind. So database reads grow with the events written, not with the people watching or the jobs
watched; an idle stream costs no reads.

The feed keeps the job's events while anyone watches (a job writes a few dozen), so a subscriber that
joins late replays from memory. The reader stops after the terminal event or when the last subscriber
leaves, whichever comes first; the feed is dropped with its last subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from web.generation.progress import TERMINAL_EVENTS, Notifier, events_after, latest_seqs

log = logging.getLogger("web.generation.feed")

FLOOR_SECONDS = 1.0
READ_BATCH = 200
READ_ERROR_BACKOFF = 1.0


class JobFeed:
    def __init__(self, job_id: uuid.UUID, notifier: Notifier) -> None:
        self.job_id = job_id
        self.events: list[dict[str, Any]] = []  # the job's events in order, from its first
        self.ended = False  # the terminal event is in `events`
        self.stopped = False  # the reader is gone (the process is shutting down)
        self.subscribers = 0
        self._notifier = notifier
        self._woken = asyncio.Event()
        # Set when events arrive (or the feed stops), then replaced: every subscriber waiting on it wakes
        # in the same turn of the loop. (With an asyncio.Condition waited through wait_for, Python 3.11
        # woke them one turn each: 25 listeners of a job heard an event hundreds of ms apart.)
        self._changed = asyncio.Event()
        self._reader: asyncio.Task | None = None

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    def start(self) -> None:
        self._notifier.watch(self.job_id, self._woken)
        self._reader = asyncio.create_task(self._read_loop(), name=f"feed-{self.job_id}")

    async def stop(self) -> None:
        self.stopped = True
        self._changed.set()  # subscribers still waiting (a shutdown) end their streams now
        self._notifier.unwatch(self.job_id, self._woken)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read_loop(self) -> None:
        while not self.ended:
            self._woken.clear()  # before the read: a wake-up during it is kept for the next round
            try:
                await self._read_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # a locked or unreachable database: try again, the streams stay open
                log.warning("job feed read failed; trying again", exc_info=True)
                await asyncio.sleep(READ_ERROR_BACKOFF)
                continue
            if self.ended:
                return
            await self._woken.wait()  # a wake-up: this process's write, Redis, or the poll of all feeds

    async def _read_new(self) -> None:
        while True:
            rows = await events_after(self.job_id, self.last_seq, limit=READ_BATCH)
            if rows:
                self.events.extend(rows)
                self.ended = any(r["type"] in TERMINAL_EVENTS for r in rows)
                changed, self._changed = self._changed, asyncio.Event()
                changed.set()
            if len(rows) < READ_BATCH or self.ended:
                return

    async def follow(self, after: int, timeout: float) -> AsyncIterator[dict[str, Any]]:
        """The job's events after `after`, as they come, until the terminal event or `timeout` seconds."""
        loop = asyncio.get_running_loop()
        ends = loop.time() + timeout
        while True:
            for row in [r for r in self.events if r["seq"] > after]:
                after = row["seq"]
                yield row
                if row["type"] in TERMINAL_EVENTS:
                    return
            left = ends - loop.time()
            if left <= 0 or self.stopped or (self.ended and self.last_seq <= after):
                return
            if self.last_seq <= after:  # nothing new: wait for the reader (no await since the check)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(left):
                        await self._changed.wait()


class Feeds:
    """The feeds of this process, one per job being watched."""

    def __init__(
        self,
        notifier: Notifier,
        floor_seconds: float = FLOOR_SECONDS,
        *,
        on_count: Callable[[int], None] = lambda n: None,
    ) -> None:
        self._notifier = notifier
        self._floor = floor_seconds
        self._on_count = on_count
        self._feeds: dict[uuid.UUID, JobFeed] = {}
        self._poller: asyncio.Task | None = None

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: uuid.UUID) -> AsyncIterator[JobFeed]:
        feed = self._feeds.get(job_id)
        if feed is None:
            feed = self._feeds[job_id] = JobFeed(job_id, self._notifier)
            feed.start()
            if self._poller is None or self._poller.done():
                self._poller = asyncio.create_task(self._poll(), name="feeds-poll")
            self._on_count(len(self._feeds))
        feed.subscribers += 1
        try:
            yield feed
        finally:
            feed.subscribers -= 1
            if feed.subscribers == 0 and self._feeds.get(job_id) is feed:
                del self._feeds[job_id]
                self._on_count(len(self._feeds))
                await feed.stop()

    async def _poll(self) -> None:
        """Every `floor_seconds` while jobs are watched: one read of their last event ids; wake the
        feeds that are behind (their events came from a process whose wake-up did not reach us)."""
        while self._feeds:
            await asyncio.sleep(self._floor)  # the poll interval itself
            live = {job_id: feed for job_id, feed in self._feeds.items() if not feed.ended}
            if not live:
                continue
            try:
                latest = await latest_seqs(list(live))
            except Exception:
                log.warning("feeds poll failed; trying again", exc_info=True)
                continue
            for job_id, feed in live.items():
                if latest.get(job_id, 0) > feed.last_seq:
                    self._notifier.wake_local(job_id)

    async def close(self) -> None:
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            await feed.stop()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
