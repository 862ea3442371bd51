"""Rate and concurrency limits. Counters live in memory, or in Redis when REDIS_URL is set so that limits
hold across processes. Generation limits count jobs in the database, so they hold everywhere."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from ipaddress import ip_address
from typing import Any

from litestar import Request

from web import clock
from web.clock import now
from web.errors import TooManyRequests, Unavailable
from web.tables import GenerationJob, User

log = logging.getLogger("web.limits")


class WindowCounter:
    """Fixed-window counters: memory by default, Redis (INCR + EXPIRE) when given a URL."""

    def __init__(self, redis_url: str | None = None) -> None:
        self._memory: dict[str, tuple[int, int]] = {}
        self._redis: Any = None
        if redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(redis_url)

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one hit; return (hits in this window, seconds until it resets)."""
        bucket = int(clock.timestamp() // window)
        reset = window - int(clock.timestamp() % window)
        name = f"trainplan:rl:{key}:{bucket}"
        if self._redis is not None:
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    count, _ = await pipe.incr(name).expire(name, window + 1).execute()
                return int(count), reset
            except Exception:
                # Redis is down: keep limiting, per process, rather than locking everyone out.
                log.warning("rate-limit store unreachable; counting in memory")
        old_bucket, count = self._memory.get(key, (bucket, 0))
        count = count + 1 if old_bucket == bucket else 1
        self._memory[key] = (bucket, count)
        return count, reset

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


def rate_headers(limit: int, remaining: int, reset: int, window: int) -> dict[str, str]:
    return {
        "Retry-After": str(max(reset, 1)),
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(remaining, 0)),
        "RateLimit-Reset": str(max(reset, 1)),
        "RateLimit-Policy": f"{limit};w={window}",
    }


class Limits:
    def __init__(self, settings: Any, counter: WindowCounter) -> None:
        self.settings = settings
        self.counter = counter
        self._streams_by_user: dict[Any, int] = defaultdict(int)
        self._streams = 0
        self.on_streams_changed = lambda n: None

    def client_address(self, request: Request) -> str:
        """The peer's address; X-Forwarded-For only counts when the peer is a configured proxy."""
        peer = request.client.host if request.client else "unknown"
        networks = self.settings.trusted_proxy_networks
        forwarded = request.headers.get("x-forwarded-for")
        if not forwarded or not networks or not _in(peer, networks):
            return peer
        # The rightmost address that is not one of our proxies is the client.
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if not _in(hop, networks):
                return hop
        return peer

    async def check_auth(self, request: Request, what: str) -> None:
        limit = self.settings.rate_limit_auth_per_minute
        count, reset = await self.counter.hit(f"auth:{what}:{self.client_address(request)}", 60)
        if count > limit:
            raise TooManyRequests(
                "Too many attempts from your network. Wait a minute and try again.",
                headers=rate_headers(limit, 0, reset, 60),
            )

    async def check_generation(self, user: User) -> None:
        """Per-user hourly and daily caps on new generations, and a global cap on queued work."""
        for window, limit in (
            (3600, self.settings.rate_limit_generations_per_hour),
            (86400, self.settings.rate_limit_generations_per_day),
        ):
            since = now() - dt.timedelta(seconds=window)
            rows = (
                await GenerationJob.select(GenerationJob.created_at)
                .where((GenerationJob.user == user.id) & (GenerationJob.created_at > since))
                .order_by(GenerationJob.created_at)
            )
            if len(rows) >= limit:
                reset = math.ceil(
                    (rows[0]["created_at"] + dt.timedelta(seconds=window) - now()).total_seconds()
                )
                raise TooManyRequests(
                    f"You have generated {limit} plans in the last {'hour' if window == 3600 else 'day'}. "
                    f"Try again in {max(reset // 60, 1)} minutes.",
                    code="generation_rate_limited",
                    headers=rate_headers(limit, 0, reset, window),
                )
        waiting = await GenerationJob.count().where(GenerationJob.status.is_in(["queued", "running"]))
        if waiting >= self.settings.generation_queue_max:
            raise Unavailable(
                "We are making a lot of plans right now. Try again in a minute.",
                code="generation_queue_full",
                headers={"Retry-After": "60"},
            )

    def _release_stream(self, key: Any) -> None:
        self._streams_by_user[key] -= 1
        if not self._streams_by_user[key]:
            del self._streams_by_user[key]
        self._streams -= 1
        self.on_streams_changed(self._streams)

    def open_stream(self, user: User) -> StreamLease:
        """A lease on one open event stream; refused past the per-user or global cap. Counted from here
        (not when the stream starts), so that concurrent opens cannot all pass the check."""
        if self._streams >= self.settings.sse_max_streams:
            raise Unavailable(
                "Too many live connections right now. Reload in a moment.",
                code="streams_full",
                headers={"Retry-After": "5"},
            )
        if self._streams_by_user[user.id] >= self.settings.sse_max_streams_per_user:
            if not self._streams_by_user[user.id]:
                del self._streams_by_user[user.id]
            raise TooManyRequests(
                "You have too many live progress views open. Close some tabs and reload.",
                code="too_many_streams",
                headers=rate_headers(self.settings.sse_max_streams_per_user, 0, 5, 5),
            )
        self._streams_by_user[user.id] += 1
        self._streams += 1
        self.on_streams_changed(self._streams)
        return StreamLease(self, user.id)


class StreamLease:
    """One counted event stream; release() (or leaving a `with` block) gives it back, once."""

    def __init__(self, limits: Limits, key: Any) -> None:
        self._limits, self._key, self._held = limits, key, True

    def __enter__(self) -> StreamLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._limits._release_stream(self._key)


def _in(address: str, networks) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
