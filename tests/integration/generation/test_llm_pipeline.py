"""The LLM pipeline: weeks in parallel against their targets; a broken week answer costs one more call
for that week, not the plan; a week that keeps failing is written by the offline coach."""

from __future__ import annotations

import json
from collections import Counter

from tests.factories import account, generate_body, responses, wait_for_job
from tests.integration.generation.test_failures import _llm
from web.coach import prompt_text
from web.coach.offline_coach import build_outline, build_plan
from web.domain.catalogue import get_exercise
from web.domain.skeleton import build_skeleton
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


async def test_the_weeks_use_the_exercises_the_outline_chose_for_their_block(start_server, fake_openai):
    fake_openai.script({"name": "other_blocks", "match": "outline", "times": 1})
    server = await start_server(**_llm(fake_openai, openai_max_retries=0, llm_cache_ttl_hours=0))
    async with server.client() as client:
        job, content = await _plan_for(server, await account(client), client)
    assert job["status"] == "succeeded" and job["coach"] == "openai" and content["fallback_weeks"] == []
    (outline_call,) = fake_openai.calls_for("outline")
    blocks = {b["number"]: b["exercises"] for b in outline_call["answer"]["blocks"]}
    brief = prompt_text.read_brief(outline_call["messages"])
    own = build_outline(brief).blocks
    assert blocks and all(blocks[b.number] != b.exercises for b in own)  # the model chose otherwise
    for week_call in fake_openai.calls_for("week"):  # each week was told its block's choice ...
        target = build_skeleton(brief).week(week_call["week"])
        assert ", ".join(blocks[target.block]) in _prompt(week_call)
    for week, target in zip(
        content["weeks"], content["skeleton"]["weeks"], strict=True
    ):  # ... and kept to it
        strength = _strength_ids(week)
        assert len(strength & set(blocks[target["block"]])) >= 0.5 * len(strength), week["number"]
    offline = build_plan(brief)
    assert _strength_ids(content["weeks"][0]) != _strength_ids(offline.weeks[0].model_dump(mode="json"))


async def test_an_outline_naming_exercises_the_person_may_not_do_is_asked_again_then_cleaned(
    start_server, fake_openai
):
    fake_openai.script({"name": "bad_blocks", "match": "outline", "times": 2})
    server = await start_server(**_llm(fake_openai, openai_max_retries=0, llm_cache_ttl_hours=0))
    async with server.client() as client:
        job, content = await _plan_for(server, await account(client), client)
    assert job["status"] == "succeeded" and job["coach"] == "openai" and content["fallback_weeks"] == []
    assert len(fake_openai.calls_for("outline")) == 2  # asked again once, then the usable part kept
    for week_call in fake_openai.calls_for("week"):
        prompt = _prompt(week_call)
        assert (
            "laser_squat" not in prompt and "lat_pulldown" not in prompt
        )  # unknown; a cable machine they lack
        assert "Exercises of block" in prompt  # the block's allowed choice still went to the week


def _prompt(call: dict) -> str:
    return " ".join(m["content"] for m in call["messages"] if isinstance(m.get("content"), str))


def _strength_ids(week: dict) -> set[str]:
    return {
        e["exercise_id"]
        for s in week["sessions"]
        if s["kind"] in ("strength", "mixed")
        for e in s["exercises"]
        if (found := get_exercise(e["exercise_id"])) is not None and found.is_strength
    }


async def test_429s_halve_the_calls_in_flight_and_the_plan_still_comes_from_the_llm(
    start_server, fake_openai
):
    # The first 8 week answers go through (taking 1 s each, so they overlap), the next 2 are 429s.
    fake_openai.script(
        {"name": "ok", "match": "week", "times": 8},
        {"name": "rate_limited", "retry_after": 0.05, "match": "week", "times": 2},
    )
    settings = _llm(fake_openai, openai_max_retries=3, llm_max_concurrency=8, llm_cache_ttl_hours=0)
    server = await start_server(**settings, week_parallelism=16)
    fake_openai.latency = (1.0, 1_000_000)
    try:
        async with server.client() as client:
            acct = await account(client)
            body = generate_body(acct.profile_id, answers=responses(plan_weeks=16))
            r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
            job = await wait_for_job(client, acct, r.json()["job"]["id"], timeout=60)
            metrics = (await client.get("/metrics")).text
    finally:
        fake_openai.latency = None
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    weeks = fake_openai.calls_for("week")
    last_429 = max(i for i, c in enumerate(weeks) if c["status"] == 429)
    before, after = weeks[:8], weeks[last_429 + 1 :]
    assert max(c["in_flight"] for c in before) >= 6  # up to 8 at once before the 429s
    # After them the limit is 4, grown back by one for each window of calls that went through.
    assert after and max(c["in_flight"] for c in after) <= 5
    assert "trainplan_llm_throttled_total 2.0" in metrics
    limit = next(line for line in metrics.splitlines() if line.startswith("trainplan_llm_concurrency_limit "))
    assert float(limit.split()[1]) < 8
