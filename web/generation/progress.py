"""Job events: stored rows (the truth, replayable by id) plus a wake-up signal for live listeners.

Any process can serve any stream: its one reader of the job (web/generation/feed.py) re-reads the
events table when woken, and also every second in case the wake-up came from another process without
Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from typing import Any

from piccolo.query.functions.aggregate import Max

from web.clock import now as clock_now
from web.observability import event_read
from web.tables import GenerationEvent, GenerationJob

log = logging.getLogger("web.generation.progress")

TERMINAL_EVENTS = frozenset({"done", "failed", "cancelled"})
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


class LeaseLost(Exception):
    """A write after a claim was refused: the job is no longer this attempt's (its lease was taken over,
    or it ended). The runner stops working on it and writes nothing more."""


def fenced(job: GenerationJob) -> Any:
    """The condition every write after a claim carries: still running, and still this claim (the fencing
    token `claims`: every claim of the job raises it, and nothing lowers it, so no two claims share it)."""
    return (
        (GenerationJob.id == job.id)
        & (GenerationJob.status == "running")
        & (GenerationJob.claims == job.claims)
    )


CHANNEL_PREFIX = "trainplan:job:"


class Notifier:
    """Wakes the listeners of a job. In-process by default; over Redis pub/sub when configured."""

    def __init__(self, redis_url: str | None = None) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._redis_url = redis_url
        self._redis: Any = None
        self._listener: asyncio.Task | None = None

    async def start(self) -> None:
        if not self._redis_url:
            return
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(self._redis_url)
        pubsub = self._redis.pubsub()
        try:
            await pubsub.psubscribe(CHANNEL_PREFIX + "*")
        except Exception:  # start anyway: streams poll until Redis answers, /health/ready reports it down
            log.warning("redis not reachable at start-up; streams fall back to polling", exc_info=True)
        self._listener = asyncio.create_task(self._listen(pubsub), name="notifier-redis")

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()

    async def _listen(self, pubsub: Any) -> None:
        while True:
            try:
                if not pubsub.patterns:  # the subscription at start-up failed
                    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message:
                    self._wake_local(message["channel"].decode().removeprefix(CHANNEL_PREFIX))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis listener error; streams fall back to polling", exc_info=True)
                await asyncio.sleep(1)

    def watch(self, job_id: uuid.UUID | str, event: asyncio.Event) -> None:
        """Set `event` at every wake-up of the job until `unwatch` (a long-lived listener: nothing is lost
        between two waits)."""
        self._waiters[str(job_id)].add(event)

    def unwatch(self, job_id: uuid.UUID | str, event: asyncio.Event) -> None:
        key = str(job_id)
        self._waiters[key].discard(event)
        if not self._waiters[key]:
            del self._waiters[key]

    def wake_local(self, job_id: uuid.UUID | str) -> None:
        """Wake this process's listeners of the job (what a wake-up from another process does)."""
        self._wake_local(str(job_id))

    def _wake_local(self, job_id: str) -> None:
        for event in self._waiters.get(job_id, ()):
            event.set()

    async def notify(self, job_id: uuid.UUID | str) -> None:
        key = str(job_id)
        self._wake_local(key)
        if self._redis is not None:
            try:
                await self._redis.publish(CHANNEL_PREFIX + key, "1")
            except Exception:
                log.warning("redis publish failed; listeners will poll", exc_info=True)

    async def wait(self, job_id: uuid.UUID | str, timeout: float) -> None:
        key = str(job_id)
        event = asyncio.Event()
        self._waiters[key].add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        finally:
            self._waiters[key].discard(event)
            if not self._waiters[key]:
                del self._waiters[key]


async def append_event(job_id: uuid.UUID, type_: str, data: dict[str, Any], now) -> int:
    """Store the job's next event (its data stamped with `at`, when it was written). Its number comes from
    the counter on the job row, raised in the caller's transaction: the row's lock orders concurrent
    writers, so numbers never clash and never need a retry (a retry after a unique violation cannot
    work on PostgreSQL, where the error aborts the transaction). Call inside the transaction that
    changes the job."""
    rows = (
        await GenerationJob.update({GenerationJob.event_seq: GenerationJob.event_seq + 1})
        .where(GenerationJob.id == job_id)
        .returning(GenerationJob.event_seq)
    )
    if not rows:
        raise LookupError(f"no job {job_id} to add an event to")
    seq = rows[0]["event_seq"]
    at = clock_now().isoformat(timespec="milliseconds").replace("+00:00", "Z")  # as it is written
    await GenerationEvent(job=job_id, seq=seq, type=type_, data={**data, "at": at}, created_at=now).save()
    return seq


async def events_after(job_id: uuid.UUID, after: int, limit: int = 200) -> list[dict[str, Any]]:
    event_read()
    return (
        await GenerationEvent.select(GenerationEvent.seq, GenerationEvent.type, GenerationEvent.data)
        .where((GenerationEvent.job == job_id) & (GenerationEvent.seq > after))
        .order_by(GenerationEvent.seq)
        .limit(limit)
    )


async def last_event_seq(job_id: uuid.UUID) -> int:
    """The id of the job's last event (0 before the first)."""
    return (await latest_seqs([job_id])).get(job_id, 0)


async def latest_seqs(job_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The last event id of each of these jobs, in one read (the feeds' poll across processes)."""
    event_read()
    rows = (
        await GenerationEvent.select(GenerationEvent.job, Max(GenerationEvent.seq, alias="last"))
        .where(GenerationEvent.job.is_in(job_ids))
        .group_by(GenerationEvent.job)
    )
    return {uuid.UUID(str(r["job"])): r["last"] for r in rows}


def event_payload(job: GenerationJob, **extra: Any) -> dict[str, Any]:
    """The common part of every event's data: where the job stands."""
    return {
        "job_id": str(job.id),
        "status": job.status,
        "stage": job.stage,
        "stage_text": job.stage_text,
        "percent": job.percent,
        **extra,
    }
