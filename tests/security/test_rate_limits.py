"""Rate limits: generations per user per hour and per day, login/register per client address (and what
X-Forwarded-For may change about that), the global queue cap, and the login limit shared through Redis."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from tests.factories import PASSWORD, account, generate_body
from tests.security.conftest import REDIS_URL, assert_problem
from web import clock
from web.tables import GenerationEvent, GenerationJob, IdempotencyKey, User

WAIT = {"Prefer": "wait=30"}


def assert_rate_headers(r, limit: int, window: int) -> int:
    """The RateLimit-* fields (draft-ietf-httpapi-ratelimit-headers) and Retry-After; returns Retry-After."""
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= window
    assert r.headers["ratelimit-limit"] == str(limit)
    assert r.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(r.headers["ratelimit-reset"]) <= window
    assert r.headers["ratelimit-policy"] == f"{limit};w={window}"
    return retry_after


async def _jobs_of(acct) -> int:
    return await GenerationJob.count().where(GenerationJob.user == uuid.UUID(acct.user_id))


# ---------------------------------------------------------------------------------------------- generation


async def test_hourly_generation_limit_and_what_does_not_count(start_server):
    server = await start_server(rate_limit_generations_per_hour=2, rate_limit_generations_per_day=100)
    async with server.client() as client:
        acct, other = await account(client), await account(client)
        first_key = {"Idempotency-Key": "first"}
        first = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id),
            headers={**acct.headers, **first_key, **WAIT},
        )
        assert first.status_code == 200, first.text
        first_job = first.json()["job"]["id"]
        for _ in range(3):
            # Replays of the first request and "your plan exists" answers make no job and use no quota.
            replay = await client.post(
                "/api/v1/plans/generate",
                json=generate_body(acct.profile_id),
                headers={**acct.headers, **first_key},
            )
            assert replay.status_code == 200 and replay.json()["job"]["id"] == first_job
            existing = await client.post(
                "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
            )
            assert existing.status_code == 200 and existing.json()["job"] is None
        second = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, regenerate=True),
            headers={**acct.headers, **WAIT},
        )
        assert second.status_code == 200, second.text
        events_before = await GenerationEvent.count()
        limited = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, regenerate=True),
            headers={**acct.headers, "Idempotency-Key": "third"},
        )
        body = assert_problem(limited, 429, "generation_rate_limited")
        assert "hour" in body["detail"]
        assert_rate_headers(limited, 2, 3600)
        assert await _jobs_of(acct) == 2 and await GenerationEvent.count() == events_before
        assert await IdempotencyKey.count().where(IdempotencyKey.key == "third") == 0
        # Past the limit, replays and the existing plan are still answered.
        replay = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id),
            headers={**acct.headers, **first_key},
        )
        assert replay.status_code == 200 and replay.json()["job"]["id"] == first_job
        existing = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert existing.status_code == 200 and existing.json()["plan"]["version"] == 2
        # The limit is per person.
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(other.profile_id), headers=other.headers
        )
        assert r.status_code == 202, r.text


async def test_daily_generation_limit(start_server):
    server = await start_server(rate_limit_generations_per_hour=2, rate_limit_generations_per_day=2)
    async with server.client() as client:
        acct = await account(client)
        await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers={**acct.headers, **WAIT}
        )
        # The first job was two hours ago: within the day, outside the hour.
        two_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        await GenerationJob.update({GenerationJob.created_at: two_hours_ago}).where(
            GenerationJob.user == uuid.UUID(acct.user_id)
        )
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, regenerate=True),
            headers={**acct.headers, **WAIT},
        )
        assert r.status_code == 200, r.text  # 1 this hour, 2 today
        limited = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, regenerate=True),
            headers=acct.headers,
        )
        body = assert_problem(limited, 429, "generation_rate_limited")
        assert "day" in body["detail"]
        retry_after = assert_rate_headers(limited, 2, 86400)
        assert 22 * 3600 - 120 <= retry_after <= 22 * 3600  # when the two-hour-old job leaves the window
        assert await _jobs_of(acct) == 2


async def test_global_queue_cap_is_503_with_retry_after(start_server):
    server = await start_server(generation_queue_max=2, run_worker=False)  # nothing leaves the queue
    async with server.client() as client:
        people = [await account(client) for _ in range(3)]
        for acct in people[:2]:
            r = await client.post(
                "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
            )
            assert r.status_code == 202, r.text
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(people[2].profile_id),
            headers={**people[2].headers, "Idempotency-Key": "late"},
        )
        assert_problem(r, 503, "generation_queue_full")
        assert r.headers["retry-after"] == "60"
        assert await _jobs_of(people[2]) == 0 and await GenerationJob.count() == 2
        assert await IdempotencyKey.count() == 0
        # Someone whose job is already queued gets it back: that is no new work.
        again = await client.post(
            "/api/v1/plans/generate", json=generate_body(people[0].profile_id), headers=people[0].headers
        )
        assert again.status_code == 202


# ------------------------------------------------------------------------------------------ login / register


async def _login(client, email: str, password: str = "wrong password!!", **headers):
    return await client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}, headers=headers
    )


async def test_login_brute_force_is_limited_per_address(start_server):
    server = await start_server(rate_limit_auth_per_minute=3)
    async with server.client() as client:
        acct = await account(client)  # one register and one login
        assert (await _login(client, acct.email)).status_code == 401
        assert (await _login(client, "nobody@example.com")).status_code == 401
        limited = await _login(client, acct.email, PASSWORD)  # even the right password, once limited
        assert_problem(limited, 429, "rate_limited")
        assert_rate_headers(limited, 3, 60)
        assert "access_token" not in limited.text
        # Unknown and known emails are limited alike: no account-existence oracle.
        other = await _login(client, "nobody@example.com")
        assert other.status_code == 429 and other.json()["detail"] == limited.json()["detail"]
        # Registration counts separately, per address too.
        r = await client.post(
            "/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD}
        )
        assert r.status_code == 201


async def test_register_flood_is_limited_and_writes_nothing(start_server):
    server = await start_server(rate_limit_auth_per_minute=3)
    async with server.client() as client:
        for i in range(3):
            r = await client.post(
                "/api/v1/auth/register", json={"email": f"bot{i}@example.com", "password": PASSWORD}
            )
            assert r.status_code == 201
        r = await client.post(
            "/api/v1/auth/register", json={"email": "bot3@example.com", "password": PASSWORD}
        )
        assert_problem(r, 429, "rate_limited")
        assert_rate_headers(r, 3, 60)
    assert await User.count() == 3
    assert await User.count().where(User.email == "bot3@example.com") == 0


async def test_bodies_that_do_not_parse_count_against_the_auth_limit(start_server):
    """The limit is a guard that runs before the body is read: a flood of junk is refused unread. (The
    refresh exchange used to read its body first, so junk there was never limited.)"""
    server = await start_server(rate_limit_auth_per_minute=3)
    async with server.client() as client:
        for path in ("/api/v1/auth/refresh", "/api/v1/auth/token"):
            for body in (b"{junk", b"[" * 5000, b'{"refresh_token": 1, "email": 1}'):
                r = await client.post(path, content=body, headers={"Content-Type": "application/json"})
                assert_problem(r, 422, "validation_failed")
            r = await client.post(path, content=b"{junk", headers={"Content-Type": "application/json"})
            assert_problem(r, 429, "rate_limited")
        r = await client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": PASSWORD})
        assert_problem(r, 429, "rate_limited")


# The two X-Forwarded-For tests run the real entry point (`python -m web`): how the HTTP server is started
# decides whether anything rewrites the peer address before the app sees it.


async def test_spoofed_forwarded_for_does_not_reset_the_limit_without_a_trusted_proxy(server_process):
    proc = server_process(RATE_LIMIT_AUTH_PER_MINUTE="3", TRUSTED_PROXIES="").start()
    async with httpx.AsyncClient(base_url=proc.url, timeout=30) as client:
        for i in range(3):
            r = await _login(client, "victim@example.com", **{"X-Forwarded-For": f"198.51.100.{i}"})
            assert r.status_code == 401
        for spoof in ("203.0.113.99", "10.0.0.1, 203.0.113.5", "not-an-address", "127.0.0.2", "::1"):
            r = await _login(
                client,
                "victim@example.com",
                **{"X-Forwarded-For": spoof, "X-Real-IP": spoof, "Forwarded": f"for={spoof}"},
            )
            assert_problem(r, 429, "rate_limited")


async def test_forwarded_for_is_believed_from_a_trusted_proxy(server_process):
    proc = server_process(RATE_LIMIT_AUTH_PER_MINUTE="3", TRUSTED_PROXIES="127.0.0.1").start()
    async with httpx.AsyncClient(base_url=proc.url, timeout=30) as client:
        # The proxy appends the address it saw; whatever the client put in front of it does not matter.
        for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            r = await _login(client, "victim@example.com", **{"X-Forwarded-For": f"{forged}, 203.0.113.7"})
            assert r.status_code == 401
        r = await _login(client, "victim@example.com", **{"X-Forwarded-For": "4.4.4.4, 203.0.113.7"})
        assert_problem(r, 429, "rate_limited")
        r = await _login(client, "victim@example.com", **{"X-Forwarded-For": "203.0.113.7, 127.0.0.1"})
        assert_problem(r, 429, "rate_limited")  # a chain of our own proxies is skipped
        # Another client behind the same proxy has its own budget; so does the proxy's own address.
        r = await _login(client, "victim@example.com", **{"X-Forwarded-For": "198.51.100.20"})
        assert r.status_code == 401
        r = await _login(client, "victim@example.com")
        assert r.status_code == 401


@pytest.mark.redis
async def test_two_instances_share_the_login_limit_through_redis(start_server):
    settings = {"rate_limit_auth_per_minute": 3, "redis_url": REDIS_URL}
    one, two = await start_server(**settings), await start_server(**settings)
    async with one.client() as c1, two.client() as c2:
        assert (await _login(c1, "victim@example.com")).status_code == 401
        assert (await _login(c2, "victim@example.com")).status_code == 401
        assert (await _login(c1, "victim@example.com")).status_code == 401
        r = await _login(c2, "victim@example.com")
        assert_problem(r, 429, "rate_limited")
        assert_rate_headers(r, 3, 60)
        assert_problem(await _login(c1, "victim@example.com"), 429, "rate_limited")
    import redis.asyncio as aioredis

    store = aioredis.from_url(REDIS_URL)
    try:
        keys = [k.decode() async for k in store.scan_iter("trainplan:rl:auth:login:*")]
        assert len(keys) == 1 and await store.zcard(keys[0]) == 5  # one sliding window, both processes
        assert 0 < await store.ttl(keys[0]) <= 61
    finally:
        await store.aclose()


@pytest.mark.redis
async def test_the_redis_counter_slides_across_a_minute_boundary() -> None:
    from tests.unit.test_limits import _burst_across_a_minute
    from web import clock
    from web.limits import WindowCounter

    counter = WindowCounter(REDIS_URL)
    try:
        assert (await _burst_across_a_minute(counter, "auth:slide"))[-1] == 20
    finally:
        await counter.close()
        clock.reset()


async def test_repeated_failures_on_one_account_slow_it_down_from_any_address(start_server):
    from tests.factories import PASSWORD, account

    server = await start_server(rate_limit_login_failures_per_account=3, trusted_proxies="127.0.0.1")
    async with server.client() as client:
        acct = await account(client)
        for n in range(3):  # three wrong passwords, each from another address behind the proxy
            r = await _login(client, acct.email, **{"X-Forwarded-For": f"203.0.113.{n + 1}"})
            assert r.status_code == 401
        r = await _login(client, acct.email, **{"X-Forwarded-For": "203.0.113.99"})
        assert_problem(r, 429, "rate_limited")
        assert "this account" in r.json()["detail"]
        right = await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD},
                                  headers={"X-Forwarded-For": "203.0.113.100"})  # fmt: skip
        assert right.status_code == 429  # even the right password waits: the guesser cannot tell
        other = await account(client)  # another account is not affected
        assert (await _login(client, other.email, **{"X-Forwarded-For": "203.0.113.7"})).status_code == 401
        clock.advance(15 * 60 + 1)
        try:
            assert (await _login(client, acct.email, **{"X-Forwarded-For": "203.0.113.8"})).status_code == 401
        finally:
            clock.reset()
