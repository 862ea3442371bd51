"""Helpers of the reliability suite: many accounts at once, following streams, safe failures, settling."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx

from tests.factories import Account, account, generate_body
from tests.reliability.invariants import check_invariants
from tests.sse import read_events
from web.generation.failures import FAILURES
from web.tables import GenerationJob

TERMINAL = ("succeeded", "failed", "cancelled")
# What a user-facing error message must never contain: internals, vendors, secrets, stack traces.
_UNSAFE = re.compile(r"traceback|exception|openai|asyncpg|sqlite|httpx|sk-|error:|\bhttp[s]?://|\.py\b", re.I)


def llm(fake, **overrides: Any) -> dict[str, Any]:
    """Settings for an app whose coach is the fake OpenAI server: short timeouts, one SDK retry, and no
    cache of LLM answers (every call reaches the fake, so a scripted fault is met where it is meant to be)."""
    return {
        "openai_api_key": "sk-test-key",
        "openai_base_url": fake.base_url,
        "openai_timeout_seconds": 2,
        "openai_max_retries": 1,
        "llm_cache_ttl_hours": 0,
        **overrides,
    }


async def accounts(client: httpx.AsyncClient, n: int) -> list[Account]:
    return list(await asyncio.gather(*(account(client) for _ in range(n))))


async def submit(client: httpx.AsyncClient, acct: Account, **body_extra: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/plans/generate", json=generate_body(acct.profile_id, **body_extra), headers=acct.headers
    )


async def follow(client: httpx.AsyncClient, acct: Account, job: dict, last_id: str | None = None) -> list:
    """The job's events to the terminal one (reconnecting like a browser when a stream ends early)."""
    events: list = []
    for _ in range(20):
        headers = {**acct.headers, **({"Last-Event-ID": last_id} if last_id else {})}
        try:
            status, got = await read_events(client, job["events_url"], headers)
        except (
            httpx.TransportError
        ):  # the connection dropped: reconnect after what was seen, as EventSource does
            await asyncio.sleep(0.2)  # EventSource's reconnection delay
            continue
        if status == 204:
            return events
        assert status == 200, status
        events += got
        if events and events[-1].event in ("done", "failed", "cancelled"):
            return events
        if got:
            last_id = got[-1].id
        await asyncio.sleep(0.2)
    raise AssertionError(f"no terminal event for job {job['id']}: {[e.event for e in events]}")


async def job_of(client: httpx.AsyncClient, acct: Account, job_id: str) -> dict:
    r = await client.get(f"/api/v1/generations/{job_id}", headers=acct.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def generate_and_follow(
    client: httpx.AsyncClient, acct: Account, **body_extra: Any
) -> tuple[dict, list]:
    """Submit (202 expected), follow the stream to its end, return the final job and the events."""
    r = await submit(client, acct, **body_extra)
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    events = await follow(client, acct, job)
    return await job_of(client, acct, job["id"]), events


def assert_safe_failure(job: dict, code: str | None = None) -> None:
    """Failed, with the documented user-safe and actionable message for its code."""
    assert job["status"] == "failed", job
    error = job["error"]
    if code is not None:
        assert error["code"] == code, error
    assert error["code"] in FAILURES, error
    assert error["message"] == FAILURES[error["code"]].message
    assert error["retryable"] is FAILURES[error["code"]].retryable
    assert "try again" in error["message"].lower()  # every message says what to do next
    assert not _UNSAFE.search(error["message"]), error["message"]


def assert_safe_problem(response: httpx.Response) -> dict:
    """An error response a person can act on: problem JSON, a plain detail, no internals."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["detail"] and not _UNSAFE.search(body["detail"]), body
    return body


async def retry_succeeds(client: httpx.AsyncClient, acct: Account, **body_extra: Any) -> dict:
    """The person tries again once the fault is gone: a plan comes back."""
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, **body_extra),
        headers={**acct.headers, "Prefer": "wait=60"},
    )
    assert r.status_code == 200, r.text
    return r.json()["plan"]


async def settle(within: float = 60) -> None:
    """Wait until no job is queued or running."""
    ends = time.monotonic() + within
    while await GenerationJob.count().where(GenerationJob.status.is_in(["queued", "running"])):
        if time.monotonic() > ends:
            rows = await GenerationJob.select(
                GenerationJob.id, GenerationJob.status, GenerationJob.stage
            ).where(GenerationJob.status.is_in(["queued", "running"]))
            raise AssertionError(f"jobs did not settle: {rows}")
        await asyncio.sleep(0.1)


async def assert_invariants(**kw: Any) -> None:
    violations = await check_invariants(**kw)
    assert violations == [], "invariants violated:\n" + "\n".join(violations)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def process_env(fake, **extra: str) -> dict[str, str]:
    """Environment of a `python -m web` subprocess whose coach is the fake OpenAI server."""
    return {
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_TIMEOUT_SECONDS": "30",
        "OPENAI_MAX_RETRIES": "1",
        "JOB_LEASE_SECONDS": "1",
        "LLM_CACHE_TTL_HOURS": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "10000",
        "RATE_LIMIT_GENERATIONS_PER_HOUR": "1000",
        **extra,
    }
