"""The LLM pipeline: weeks in parallel against their targets; a broken week answer costs one more call
for that week, not the plan; a week that keeps failing is written by the offline coach."""

from __future__ import annotations

import json
from collections import Counter

from tests.factories import account, generate_body, wait_for_job
from tests.integration.generation.test_failures import _llm
from web.tables import Plan

BROKEN = ("malformed", "truncated", "invalid_plan", "wrong_week")


async def _plan_for(server, acct, client) -> tuple[dict, dict]:
    r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers)
    assert r.status_code == 202, r.text
    job = await wait_for_job(client, acct, r.json()["job"]["id"], timeout=60)
    plan = await Plan.objects().where(Plan.job == job["id"]).first()
    content = json.loads(plan.content) if isinstance(plan.content, str) else plan.content
    return job, content


async def test_one_broken_answer_in_ten_costs_one_call_not_a_plan(start_server, fake_openai):
    plans = 10  # 4 weeks each: 40 week answers, 4 of them broken (10%), each in a different plan
    server = await start_server(**_llm(fake_openai, openai_max_retries=0, llm_cache_ttl_hours=0))
    results = []
    async with server.client() as client:
        for index in range(plans):
            if index < len(BROKEN):
                fake_openai.script({"name": BROKEN[index], "match": "week", "times": 1})
            results.append(await _plan_for(server, await account(client), client))
    llm_delivered = [
        job for job, content in results if job["coach"] == "openai" and not content["fallback_weeks"]
    ]
    assert len(llm_delivered) == plans  # >= 95%: every plan came from the LLM
    week_calls = [c for c in fake_openai.calls if c["kind"] in ("week", "repair")]
    # One extra call for each broken answer except the wrong week number, which the server just sets.
    assert len(week_calls) == plans * 4 + len(BROKEN) - 1
    repairs = [c for c in fake_openai.calls if c["kind"] == "repair"]
    assert len(repairs) == 1
    prompt = " ".join(m["content"] for m in repairs[0]["messages"] if isinstance(m.get("content"), str))
    assert "<violations>" in prompt  # the repair request carried what was wrong
    for _job, content in results:
        assert [w["number"] for w in content["weeks"]] == [1, 2, 3, 4]


async def test_a_week_that_keeps_failing_is_written_offline_under_the_same_target(start_server, fake_openai):
    fake_openai.script({"name": "malformed", "match": "week", "times": 2})  # the first week asked, twice
    server = await start_server(**_llm(fake_openai, openai_max_retries=0, week_parallelism=1))
    async with server.client() as client:
        job, content = await _plan_for(server, await account(client), client)
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    assert content["fallback_weeks"] == [1]
    assert "Week 1 written by our built-in coach" in content["summary"]
    per_week = Counter(c["week"] for c in fake_openai.calls if c["kind"] == "week")
    assert per_week == {1: 2, 2: 1, 3: 1, 4: 1}
    assert content["skeleton"]["weeks"][0]["number"] == 1  # the targets travel with the plan


async def test_an_outline_that_misses_weeks_is_asked_again(start_server, fake_openai):
    fake_openai.script({"name": "short_outline", "match": "outline", "times": 1})
    server = await start_server(**_llm(fake_openai, openai_max_retries=0))
    async with server.client() as client:
        job, _ = await _plan_for(server, await account(client), client)
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    assert [c["kind"] for c in fake_openai.calls].count("outline") == 2
