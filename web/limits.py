"""Rate and concurrency limits. Counters live in memory, or in Redis when REDIS_URL is set so that limits
hold across processes. Generation limits count jobs in the database, so they hold everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import uuid
from collections import defaultdict, deque
from ipaddress import ip_address
from typing import Any

from litestar import Request

from web import clock
from web.clock import now
from web.errors import TooManyRequests, Unavailable
from web.stream_slots import StreamSlots
from web.tables import GenerationJob, User

log = logging.getLogger("web.limits")


class WindowCounter:
    """Sliding-window counters (the hits of the last `window` seconds, not of a calendar minute, so a
    burst across a minute boundary counts as one): memory by default, a Redis sorted set when given a
    URL. Memory keys expire with their last hit, so the store does not grow for ever. (Not Litestar's
    MemoryStore: it keeps one value per key with a time to live, and a sliding window needs each hit's time,
    which would mean reading, decoding and rewriting the list on every request; the sorted set in Redis
    and the deque here hold those times as they are.)"""

    SWEEP_EVERY = 1000  # hits between sweeps of expired keys from memory

    def __init__(self, redis_url: str | None = None) -> None:
        self._memory: dict[str, deque[float]] = {}
        self._windows: dict[str, int] = {}
        self._hits = 0
        self._redis: Any = None
        if redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(redis_url)

    async def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one hit; return (hits in the last `window` seconds, seconds until the oldest leaves)."""
        at = clock.timestamp()
        if self._redis is not None:
            try:
                return await self._redis_hit(f"trainplan:rl:{key}", window, at)
            except Exception:
                # Redis is down: keep limiting, per process, rather than locking everyone out.
                log.warning("rate-limit store unreachable; counting in memory")
        return self._memory_hit(key, window, at)

    def _memory_hit(self, key: str, window: int, at: float) -> tuple[int, int]:
        self._hits += 1
        if self._hits % self.SWEEP_EVERY == 0:
            self._sweep(at)
        hits = self._memory.setdefault(key, deque())
        self._windows[key] = window
        while hits and hits[0] <= at - window:
            hits.popleft()
        hits.append(at)
        return len(hits), max(1, math.ceil(hits[0] + window - at))

    def _sweep(self, at: float) -> None:
        for key in [k for k, hits in self._memory.items() if not hits or hits[-1] <= at - self._windows[k]]:
            self._memory.pop(key, None)
            self._windows.pop(key, None)

    async def _redis_hit(self, name: str, window: int, at: float) -> tuple[int, int]:
        member = f"{at:.6f}:{uuid.uuid4().hex[:8]}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, 0, at - window)
            pipe.zadd(name, {member: at})
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            pipe.expire(name, window + 1)
            _, _, count, oldest, _ = await pipe.execute()
        first = oldest[0][1] if oldest else at
        return int(count), max(1, math.ceil(first + window - at))

    async def count(self, key: str, window: int) -> int:
        """Hits in the last `window` seconds, without counting one."""
        at = clock.timestamp()
        if self._redis is not None:
            try:
                name = f"trainplan:rl:{key}"
                return int(await self._redis.zcount(name, at - window, "+inf"))
            except Exception:
                log.warning("rate-limit store unreachable; counting in memory")
        return sum(1 for hit in self._memory.get(key, ()) if hit > at - window)

    @property
    def redis(self) -> Any:
        return self._redis

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
        # Per-person stream counts shared by every process, when Redis is configured.
        self.slots = StreamSlots(counter.redis) if counter.redis is not None else None

    async def close(self) -> None:
        if self.slots is not None:
            await self.slots.close()
        await self.counter.close()

    def peer_is_trusted_proxy(self, request: Request) -> bool:
        peer = request.client.host if request.client else "unknown"
        networks = self.settings.trusted_proxy_networks
        return bool(networks) and _in(peer, networks)

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

    ACCOUNT_WINDOW = 15 * 60

    def _account_key(self, email: str) -> str:
        return "auth:account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]  # no PII

    async def check_account(self, email: str) -> None:
        """Slow down guessing at one account from many addresses: after repeated failed logins for an
        email, its logins wait for the window to pass, wherever they come from."""
        limit = self.settings.rate_limit_login_failures_per_account
        if await self.counter.count(self._account_key(email), self.ACCOUNT_WINDOW) >= limit:
            raise TooManyRequests(
                "Too many wrong passwords for this account. Wait 15 minutes, or reset your password.",
                headers=rate_headers(limit, 0, self.ACCOUNT_WINDOW, self.ACCOUNT_WINDOW),
            )

    async def login_failed(self, email: str) -> None:
        await self.counter.hit(self._account_key(email), self.ACCOUNT_WINDOW)

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

    def _release_stream(self, key: Any, slot: str | None) -> None:
        self._streams_by_user[key] -= 1
        if not self._streams_by_user[key]:
            del self._streams_by_user[key]
        self._streams -= 1
        self.on_streams_changed(self._streams)
        if slot is not None and self.slots is not None:
            self.slots.give_back(slot)

    async def open_stream(self, user: User) -> StreamLease:
        """A lease on one open event stream; refused past the per-user cap (across processes, with Redis)
        or this process's cap. Counted from here (not when the stream starts), so that concurrent opens
        cannot all pass the check."""
        if self._streams >= self.settings.sse_max_streams:
            raise Unavailable(
                "Too many live connections right now. Reload in a moment.",
                code="streams_full",
                headers={"Retry-After": "5"},
            )
        cap = self.settings.sse_max_streams_per_user
        # This process's own count first: it holds even when Redis does not answer.
        if self._streams_by_user.get(user.id, 0) >= cap:
            raise _too_many_streams(cap)
        self._streams_by_user[user.id] += 1  # held while Redis is asked, so concurrent opens see it
        self._streams += 1
        slot = None
        if self.slots is not None:
            try:
                slot = await self.slots.take(user.id, cap)
            except Exception:
                log.warning("stream slots unreachable in Redis; counting this process's streams only")
            else:
                if slot is None:
                    self._release_stream(user.id, None)
                    raise _too_many_streams(cap)
        self.on_streams_changed(self._streams)
        return StreamLease(self, user.id, slot)


class StreamLease:
    """One counted event stream; release() (or leaving a `with` block) gives it back, once."""

    def __init__(self, limits: Limits, key: Any, slot: str | None = None) -> None:
        self._limits, self._key, self._slot, self._held = limits, key, slot, True

    def __enter__(self) -> StreamLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._limits._release_stream(self._key, self._slot)


def _too_many_streams(cap: int) -> TooManyRequests:
    return TooManyRequests(
        "You have too many live progress views open. Close some tabs and reload.",
        code="too_many_streams",
        headers=rate_headers(cap, 0, 5, 5),
    )


def _in(address: str, networks) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
