"""Each LLM failure mode ends as documented; rules violations are repaired; the save is all-or-nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import IS_POSTGRES
from tests.factories import account, generate_body, until, wait_for_job
from web.tables import AnalyticsEvent, CoachCache, GenerationJob, Plan, PlaybookRun, UserProfile


async def _generate(server, fake=None):
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert r.status_code == 202, r.text
        return await wait_for_job(client, acct, r.json()["job"]["id"], timeout=60), acct


def _llm(fake, **kw):
    return {
        "openai_api_key": "k",
        "openai_base_url": fake.base_url,
        "openai_timeout_seconds": 2,
        "openai_max_retries": 1,
        **kw,
    }


FAILURE_MODES = [
    ({"name": "rate_limited", "retry_after": 0, "times": 50}, "llm_rate_limited", True),
    ({"name": "server_error", "times": 50}, "llm_unavailable", True),
    ({"name": "hang", "seconds": 5, "times": 50}, "llm_timeout", True),
    ({"name": "malformed", "times": 50}, "llm_malformed", True),
    ({"name": "wrong_schema", "times": 50}, "llm_malformed", True),
    ({"name": "refusal", "times": 50}, "llm_refused", False),
    ({"name": "truncated", "times": 50}, "llm_truncated", True),
]


@pytest.mark.parametrize(
    ("behaviour", "code", "retryable"), FAILURE_MODES, ids=[m[1] + "-" + m[0]["name"] for m in FAILURE_MODES]
)
async def test_llm_failure_without_fallback_fails_clearly(
    start_server, fake_openai, behaviour, code, retryable
):
    fake_openai.script({**behaviour, "match": "outline"})
    server = await start_server(**_llm(fake_openai, llm_fallback_enabled=False))
    job, _ = await _generate(server)
    assert job["status"] == "failed"
    assert job["error"]["code"] == code and job["error"]["retryable"] is retryable
    assert "Traceback" not in job["error"]["message"] and "openai" not in job["error"]["message"].lower()
    assert await Plan.count() == 0
    assert await GenerationJob.count().where(GenerationJob.active_slot.is_not_null()) == 0
    outline_calls = [c for c in fake_openai.calls if c["kind"] == "outline"]
    assert 1 <= len(outline_calls) <= 2  # max_retries=1: the SDK's retries only, no second layer
    if code == "llm_refused":
        assert len(outline_calls) == 1  # a refusal is an answer, not a transport error: never retried


@pytest.mark.parametrize(("behaviour", "code", "retryable"), FAILURE_MODES[:3], ids=["429", "500", "hang"])
async def test_llm_failure_with_fallback_uses_the_offline_coach(
    start_server, fake_openai, behaviour, code, retryable
):
    fake_openai.script({**behaviour, "match": "outline"})
    server = await start_server(**_llm(fake_openai))
    job, _ = await _generate(server)
    assert job["status"] == "succeeded", job
    assert job["coach"] == "offline (fallback)"
    plan = await Plan.objects().first()
    assert plan.coach == "offline (fallback)"


@pytest.mark.parametrize("fallback", [True, False])
async def test_a_failing_week_falls_back_or_fails_cleanly(start_server, fake_openai, fallback):
    fake_openai.script({"name": "server_error", "match": "week", "times": 50})
    server = await start_server(**_llm(fake_openai, openai_max_retries=0, llm_fallback_enabled=fallback))
    job, _ = await _generate(server)
    if fallback:  # each week that kept failing is written by the offline coach; the LLM outline stays
        assert job["status"] == "succeeded" and job["coach"] == "openai"
        plan = await Plan.objects().first()
        content = json.loads(plan.content) if isinstance(plan.content, str) else plan.content
        assert content["fallback_weeks"] == list(range(1, len(content["weeks"]) + 1))
        assert "written by our built-in coach" in content["summary"]
        per_week = Counter(c["week"] for c in fake_openai.calls if c["kind"] == "week")
        assert set(per_week.values()) == {2}  # each week asked twice, no more
    else:
        assert job["status"] == "failed" and job["error"]["code"] == "llm_unavailable"
        assert await Plan.count() == 0


async def test_rate_limit_then_success_needs_no_fallback(start_server, fake_openai):
    fake_openai.script({"name": "rate_limited", "retry_after": 0, "match": "outline", "times": 1})
    server = await start_server(**_llm(fake_openai))
    job, _ = await _generate(server)
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    assert [c["status"] for c in fake_openai.calls if c["kind"] == "outline"] == [429, 200]


async def test_rules_violation_is_repaired_in_one_round(start_server, fake_openai):
    fake_openai.script({"name": "invalid_plan", "match": "week", "times": 1})
    server = await start_server(**_llm(fake_openai, week_parallelism=1))
    job, _ = await _generate(server)
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    repairs = [c for c in fake_openai.calls if c["kind"] == "repair"]
    assert len(repairs) == 1
    prompt = " ".join(m["content"] for m in repairs[0]["messages"] if isinstance(m.get("content"), str))
    assert "<violations>" in prompt and "cannot train that day" in prompt


async def test_unrepairable_plan_falls_back_or_fails(start_server, fake_openai):
    fake_openai.script(
        {"name": "invalid_plan", "match": "week", "times": 50},
        {"name": "invalid_plan", "match": "repair", "times": 50},
    )
    server = await start_server(**_llm(fake_openai, llm_fallback_enabled=False))
    job, _ = await _generate(server)
    assert job["status"] == "failed" and job["error"]["code"] == "plan_invalid"
    assert await Plan.count() == 0


async def _install_save_fault():
    """A real database failure inside the save transaction: the analytics insert is refused by a trigger."""
    if IS_POSTGRES:
        await Plan.raw(
            "CREATE OR REPLACE FUNCTION fail_save() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'disk full'; END; $$ LANGUAGE plpgsql"
        )
        await Plan.raw(
            "CREATE TRIGGER fail_save BEFORE INSERT ON analytics_event FOR EACH ROW "
            "WHEN (NEW.name = 'plan_generation_succeeded') EXECUTE FUNCTION fail_save()"
        )
    else:
        await Plan.raw(
            "CREATE TRIGGER fail_save BEFORE INSERT ON analytics_event "
            "WHEN NEW.name = 'plan_generation_succeeded' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )


async def _remove_save_fault():
    await Plan.raw("DROP TRIGGER IF EXISTS fail_save" + (" ON analytics_event" if IS_POSTGRES else ""))


async def test_database_failure_during_save_leaves_nothing_and_is_retryable(server):
    await _install_save_fault()
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        job = await wait_for_job(client, acct, r.json()["job"]["id"])
        assert job["status"] == "failed"
        assert job["error"]["code"] == "save_failed" and job["error"]["retryable"] is True
        assert await Plan.count() == 0
        profile = await UserProfile.objects().first()
        assert profile.active_plan_id is None
        assert await AnalyticsEvent.count().where(AnalyticsEvent.name == "plan_generation_succeeded") == 0
        await _remove_save_fault()
        again = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id),
            headers={**acct.headers, "Prefer": "wait=20"},
        )
        assert again.status_code == 200 and again.json()["plan"]["version"] == 1


async def _playbook_ended(client, acct):
    """The playbook once its run has ended ("none": its run has not started yet)."""

    async def check():
        playbook = (await client.get("/api/v1/playbook", headers=acct.headers)).json()
        return playbook if playbook["status"] not in ("none", "running") else None

    return await until(check, what="the playbook's end")


async def test_playbook_failure_never_touches_the_plan(start_server, fake_openai):
    fake_openai.script({"name": "server_error", "match": "playbook", "times": 50})
    server = await start_server(**_llm(fake_openai))
    job, acct = await _generate(server)
    assert job["status"] == "succeeded" and job["coach"] == "openai"
    async with server.client() as client:
        playbook = await _playbook_ended(client, acct)
    assert playbook["status"] == "failed" and playbook["entries"] == []
    assert (await PlaybookRun.objects().first()).error_code == "llm_unavailable"


async def test_playbook_hang_is_cut_by_its_timeout(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 30, "match": "playbook"})
    server = await start_server(**_llm(fake_openai, openai_timeout_seconds=30, playbook_timeout_seconds=0.5))
    job, acct = await _generate(server)
    assert job["status"] == "succeeded"
    async with server.client() as client:
        playbook = await _playbook_ended(client, acct)
    assert playbook["status"] == "timed_out"


async def test_playbook_entries_from_the_offline_coach(client):
    acct = await account(client)
    await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    playbook = await _playbook_ended(client, acct)
    assert playbook["status"] == "succeeded" and playbook["entries"]
    assert {e["category"] for e in playbook["entries"]} <= {"limits", "preferences", "schedule", "motivation"}


async def test_generation_deadline(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 30, "match": "outline"})
    server = await start_server(
        **_llm(
            fake_openai,
            openai_timeout_seconds=30,
            generation_deadline_seconds=1.5,
            llm_fallback_enabled=False,
        )
    )
    job, _ = await _generate(server)
    assert job["status"] == "failed" and job["error"]["code"] == "deadline_exceeded"
    assert job["error"]["retryable"] is True


@pytest.mark.parametrize("enabled", [True, False])
async def test_playbook_context_matching_feeds_earlier_notes_to_the_coach(start_server, fake_openai, enabled):
    server = await start_server(
        **_llm(fake_openai, playbook_context_matching_enabled=enabled, llm_cache_ttl_hours=0)
    )
    async with server.client() as client:
        acct = await account(client)
        body = generate_body(acct.profile_id)
        first = await client.post(
            "/api/v1/plans/generate", json=body, headers={**acct.headers, "Prefer": "wait=20"}
        )
        assert first.status_code == 200
        import asyncio

        for _ in range(100):
            if (await client.get("/api/v1/playbook", headers=acct.headers)).json()["status"] == "succeeded":
                break
            await asyncio.sleep(0.05)
        fake_openai.reset()
        again = await client.post(
            "/api/v1/plans/generate",
            json={**body, "regenerate": True},
            headers={**acct.headers, "Prefer": "wait=20"},
        )
        assert again.status_code == 200
    outline = next(c for c in fake_openai.calls if c["kind"] == "outline")
    user_message = outline["messages"][-1]["content"]
    data_block = user_message.split("<training_brief>\n", 1)[1].split("</training_brief>", 1)[0]
    assert ("Earlier coaching note:" in data_block) is enabled


async def test_the_cache_answers_an_identical_brief_but_never_a_regeneration_or_a_bad_entry(
    start_server, fake_openai
):
    server = await start_server(**_llm(fake_openai))

    async def generate(client, acct, **extra):
        body = generate_body(acct.profile_id, **extra)
        r = await client.post(
            "/api/v1/plans/generate", json=body, headers={**acct.headers, "Prefer": "wait=20"}
        )
        assert r.status_code == 200, r.text
        return r.json()["plan"]

    def llm_calls(since: int) -> list:
        return [c for c in fake_openai.calls[since:] if c["kind"] in ("outline", "week")]

    async with server.client() as client:
        first, second, third = [await account(client) for _ in range(3)]
        await generate(client, first)
        calls = len(fake_openai.calls)
        await generate(client, second)  # the same brief from someone else: answered from the cache
        assert llm_calls(calls) == []

        calls = len(fake_openai.calls)
        again = await generate(client, first, regenerate=True)  # "make a new plan": asked afresh
        assert again["version"] == 2 and llm_calls(calls)
        job = (await client.get(f"/api/v1/generations/{again['job_id']}", headers=first.headers)).json()
        assert job["tokens"]["completion"] > 0

        await CoachCache.update({CoachCache.value: {"not": "a week"}}, force=True)  # stale entries
        calls = len(fake_openai.calls)
        await generate(client, third)  # a bad entry is a miss, not a failure
        assert len(llm_calls(calls)) >= 1


async def test_first_plans_run_before_regenerations(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 1.5, "match": "outline", "times": 1})
    server = await start_server(**_llm(fake_openai, generation_concurrency=1, openai_timeout_seconds=10))
    async with server.client() as client:
        first, later_regen, later_initial = [await account(client) for _ in range(3)]
        busy = await client.post(
            "/api/v1/plans/generate", json=generate_body(first.profile_id), headers=first.headers
        )
        regen = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(later_regen.profile_id, regenerate=True),
            headers=later_regen.headers,
        )
        initial = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(later_initial.profile_id),
            headers=later_initial.headers,
        )
        jobs = [
            await wait_for_job(client, a, r.json()["job"]["id"])
            for a, r in ((first, busy), (later_regen, regen), (later_initial, initial))
        ]
    assert all(j["status"] == "succeeded" for j in jobs)
    assert jobs[2]["started_at"] < jobs[1]["started_at"]


async def test_cancelling_a_generation_stops_its_playbook(start_server, fake_openai):
    """The person cancelled: the playbook call beside the plan is dropped too, not paid for to its end."""
    fake_openai.script(
        {"name": "hang", "seconds": 30, "match": "playbook"},
        {"name": "hang", "seconds": 30, "match": "outline"},
    )
    server = await start_server(**_llm(fake_openai, openai_timeout_seconds=30, playbook_timeout_seconds=30))
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        job_id = r.json()["job"]["id"]

        async def both_calls_out():
            return {c["kind"] for c in fake_openai.calls} >= {"playbook", "outline"}

        await until(both_calls_out, what="the outline and playbook calls")
        r = await client.post(f"/api/v1/generations/{job_id}/cancel", headers=acct.headers)
        assert r.status_code == 200
        job = await wait_for_job(client, acct, job_id, timeout=10)

        playbook = await _playbook_ended(client, acct)

    async def fake_saw_it_dropped():
        return fake_openai.calls_for("playbook")[0]["client_disconnected"]

    assert job["status"] == "cancelled"
    assert playbook["status"] == "failed" and playbook["entries"] == []
    assert (await PlaybookRun.objects().first()).error_code == "cancelled"
    await until(fake_saw_it_dropped, what="the fake seeing the playbook call dropped")
