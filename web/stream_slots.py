"""Each person's open event streams, counted across processes in Redis (when REDIS_URL is set), so that
SSE_MAX_STREAMS_PER_USER holds however many web processes serve them.

A person's streams are a Redis sorted set: one member per open stream, scored with the time its lease
runs out. Opening is one atomic script (drop the expired, count, add if under the cap). Each process
renews the leases of the streams it holds every third of `LEASE_SECONDS` in one pipeline, and removes a
stream's member when it closes; a process that dies leaves its streams counted for at most
`LEASE_SECONDS`. When Redis does not answer, the caller counts in its own process instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from web import clock

log = logging.getLogger("web.stream_slots")

LEASE_SECONDS = 60
_OPEN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _key(user_id: Any) -> str:
    return f"trainplan:streams:{user_id}"


class StreamSlots:
    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._held: dict[str, Any] = {}  # stream id -> user id, the streams this process holds
        self._renewer: asyncio.Task | None = None
        self._open_script = redis.register_script(_OPEN)

    async def take(self, user_id: Any, cap: int) -> str | None:
        """A slot for one more stream of the person (its id), or None when they hold `cap` already.
        Raises when Redis does not answer."""
        stream_id = uuid.uuid4().hex
        at = clock.timestamp()
        args = [at, cap, at + LEASE_SECONDS, stream_id, LEASE_SECONDS * 2]
        if not await self._open_script(keys=[_key(user_id)], args=args):
            return None
        self._held[stream_id] = user_id
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew(), name="stream-slots-renew")
        return stream_id

    def give_back(self, stream_id: str) -> None:
        """Free the slot (from a synchronous release: the removal is sent in the background)."""
        user_id = self._held.pop(stream_id, None)
        if user_id is None:
            return
        task = asyncio.get_running_loop().create_task(self._remove(user_id, stream_id))
        task.add_done_callback(_log_failure)

    async def _remove(self, user_id: Any, stream_id: str) -> None:
        await self._redis.zrem(_key(user_id), stream_id)

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(LEASE_SECONDS / 3)  # the renewal period itself
            held = dict(self._held)
            try:
                expires = clock.timestamp() + LEASE_SECONDS
                async with self._redis.pipeline(transaction=False) as pipe:
                    for stream_id, user_id in held.items():
                        pipe.zadd(_key(user_id), {stream_id: expires}, xx=True)
                        pipe.expire(_key(user_id), LEASE_SECONDS * 2)
                    await pipe.execute()
            except Exception:
                log.warning("stream leases could not be renewed in Redis; trying again", exc_info=True)

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        held, self._held = self._held, {}
        with contextlib.suppress(Exception):
            for stream_id, user_id in held.items():
                await self._remove(user_id, stream_id)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("a stream's slot could not be given back in Redis; its lease runs out instead")
