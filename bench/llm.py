"""The LLM pipeline, measured against a model of the provider: the fake OpenAI server answers after a
time to first token of 0.8 s plus 80 tokens a second (BENCH_TTFT, BENCH_TPS).

    plan time    a 12-week plan submitted through the API until its `done` event, and the first week's
                 `week` event, against one call writing all the plan's tokens at the same speed (goals:
                 <= 0.15 and <= 0.12 of it)
    calls        LLM calls and completion tokens per plan
    broken 10%   the share of plans the LLM delivered when one week answer in ten is broken (goal >= 95%)
"""

from __future__ import annotations

import os
import time

import httpx

TTFT = float(os.environ.get("BENCH_TTFT", "0.8"))
TPS = float(os.environ.get("BENCH_TPS", "80"))
BROKEN = ("malformed", "truncated", "invalid_plan", "wrong_week")


def _server(fake_url: str, tmp: str, extra: dict[str, str] | None = None):
    from tests.live import ServerProcess, free_port

    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TRAINPLAN_TEST_LOG": f"{tmp}/llm-server.log",
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": fake_url,
        "OPENAI_MAX_RETRIES": "0",
        "LLM_CACHE_TTL_HOURS": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
        "RATE_LIMIT_GENERATIONS_PER_HOUR": "100000",
        "RATE_LIMIT_GENERATIONS_PER_DAY": "100000",
        "GENERATION_DEADLINE_SECONDS": "600",
        **(extra or {}),
    }
    return ServerProcess(env, port).start()


async def _one_plan(client: httpx.AsyncClient, weeks: int) -> tuple[float, float, dict]:
    """(seconds to the first week, seconds to done, the job) for one plan, followed over its stream."""
    from tests.factories import account, generate_body, responses

    acct = await account(client)
    started = time.perf_counter()
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, answers=responses(plan_weeks=weeks)),
        headers=acct.headers,
    )
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    first_week = None
    headers = {**acct.headers, "Accept": "text/event-stream"}
    async with client.stream("GET", job["events_url"], headers=headers) as stream:
        async for line in stream.aiter_lines():
            if line == "event: week" and first_week is None:
                first_week = time.perf_counter() - started
            if line in ("event: done", "event: failed", "event: cancelled"):
                break
    done = time.perf_counter() - started
    final = (await client.get(job["status_url"], headers=acct.headers)).json()
    assert final["status"] == "succeeded", final
    plan = (await client.get(f"/api/v1/plans/{final['plan_id']}", headers=acct.headers)).json()
    return first_week or done, done, {**final, "fallback_weeks": plan["content"]["fallback_weeks"]}


async def bench_llm(row, tmp: str, plans_for_share: int = 10) -> None:
    from tests.fakes.openai_server import FakeOpenAI

    fake = FakeOpenAI(latency=(TTFT, TPS)).start()
    server = _server(fake.base_url, tmp)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=600) as client:
            first, done, job = await _one_plan(client, 12)
            tokens = job["tokens"]["completion"]
            one_call = TTFT + tokens / TPS  # the same tokens, written by one call
            calls = [c for c in fake.calls if c["kind"] in ("outline", "week", "repair")]
            row(
                "12-week plan, submit to done",
                f"{done:.1f} s",
                f"one call for all {tokens} tokens {one_call:.1f} s",
                done / one_call,
            )
            row(
                "12-week plan, first week shown",
                f"{first:.1f} s",
                f"one call for all {tokens} tokens {one_call:.1f} s",
                first / one_call,
            )
            row("12-week plan, LLM calls", str(len(calls)), "weeks + outline 13", len(calls) / 13)
            fake.latency = None  # the share does not depend on speed
            fake.reset()
            delivered = 0
            for index in range(plans_for_share):
                if index * 4 // 10 < (index + 1) * 4 // 10:  # 4 broken answers over 10 plans of 4 weeks
                    fake.script({"name": BROKEN[index % len(BROKEN)], "match": "week", "times": 1})
                _, _, job = await _one_plan(client, 4)
                delivered += job["coach"] == "openai" and not job["fallback_weeks"]
            week_calls = sum(1 for c in fake.calls if c["kind"] in ("week", "repair"))
            row(
                f"10% broken week answers: plans from the LLM (of {plans_for_share})",
                str(delivered),
                str(plans_for_share),
                delivered / plans_for_share,
            )
            row(
                "10% broken week answers: week calls",
                str(week_calls),
                f"{plans_for_share * 4} weeks",
                week_calls / (plans_for_share * 4),
            )
    finally:
        server.terminate()
        fake.stop()
