"""POST /api/v1/plans/generate end to end, on the offline coach and on the OpenAI coach (fake server)."""

from __future__ import annotations

import asyncio
import uuid

from tests.factories import account, generate_body, personal_info, responses, wait_for_job
from web.tables import AnalyticsEvent, GenerationJob, Plan, UserProfile


async def test_offline_coach_end_to_end(client):
    acct = await account(client)
    r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers)
    assert r.status_code == 202, r.text
    body = r.json()
    job = body["job"]
    assert body["status"] == "queued" and job["status_url"] == f"/api/v1/generations/{job['id']}"
    assert r.headers["location"] == job["status_url"]
    done = await wait_for_job(client, acct, job["id"])
    assert done["status"] == "succeeded", done
    assert done["coach"] == "offline" and done["percent"] == 100 and done["plan_id"]
    plan = (await client.get("/api/v1/plans/current", headers=acct.headers)).json()
    assert plan["id"] == done["plan_id"] and plan["version"] == 1 and plan["is_active"]
    assert len(plan["content"]["weeks"]) == 4
    for week in plan["content"]["weeks"]:
        assert len(week["sessions"]) in (2, 3)
        assert {s["day"] for s in week["sessions"]} <= {"mon", "wed", "fri", "sat"}
    assert await AnalyticsEvent.count().where(AnalyticsEvent.name == "plan_generation_succeeded") == 1


async def test_openai_coach_end_to_end(start_server, fake_openai):
    server = await start_server(
        openai_api_key="test-key", openai_base_url=fake_openai.base_url, openai_timeout_seconds=5
    )
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert r.status_code == 202
        done = await wait_for_job(client, acct, r.json()["job"]["id"])
    assert done["status"] == "succeeded", done
    assert done["coach"] == "openai"
    assert done["tokens"]["prompt"] > 0 and done["tokens"]["completion"] > 0
    kinds = [c["kind"] for c in fake_openai.calls]
    assert kinds.count("outline") == 1 and kinds.count("week") == 4


async def test_prefer_wait_returns_the_finished_plan(client):
    acct = await account(client)
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["preference-applied"] == "wait=20"
    body = r.json()
    assert body["status"] == "succeeded" and body["plan"]["weeks_count"] == 4


async def test_existing_complete_plan_is_returned_not_regenerated(client):
    acct = await account(client)
    first = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert first.status_code == 200
    again = await client.post(
        "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
    )
    assert again.status_code == 200
    assert again.json()["plan"]["id"] == first.json()["plan"]["id"]
    assert await GenerationJob.count() == 1


async def test_regenerate_makes_a_new_version(client):
    acct = await account(client)
    await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, regenerate=True),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200 and r.json()["plan"]["version"] == 2
    versions = (await client.get("/api/v1/plans", headers=acct.headers)).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["is_active"] for v in versions] == [True, False]


async def test_incomplete_existing_plan_is_generated_again(client):
    acct = await account(client)
    first = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    plan_id = uuid.UUID(first.json()["plan"]["id"])
    # A plan row left incomplete (e.g. imported from the old service, which saved in parts).
    await Plan.update({Plan.is_complete: False}).where(Plan.id == plan_id)
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200
    assert r.json()["plan"]["id"] != str(plan_id) and r.json()["plan"]["version"] == 2


async def test_failed_job_is_not_returned_as_done(start_server, fake_openai):
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        openai_max_retries=0,
        llm_fallback_enabled=False,
    )
    fake_openai.script({"name": "server_error", "times": 10})
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        failed = await wait_for_job(client, acct, r.json()["job"]["id"])
        assert failed["status"] == "failed" and failed["error"]["retryable"]
        fake_openai.reset()
        again = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert again.status_code == 202 and again.json()["job"]["id"] != failed["id"]
        done = await wait_for_job(client, acct, again.json()["job"]["id"])
        assert done["status"] == "succeeded"


async def test_twenty_concurrent_identical_requests_make_one_job(start_server, fake_openai):
    server = await start_server(openai_api_key="k", openai_base_url=fake_openai.base_url)
    async with server.client() as client:
        acct = await account(client)
        body = generate_body(acct.profile_id)
        results = await asyncio.gather(
            *[client.post("/api/v1/plans/generate", json=body, headers=acct.headers) for _ in range(20)]
        )
        assert {r.status_code for r in results} <= {200, 202}, [
            r.text for r in results if r.status_code >= 300
        ]
        job_ids = {r.json()["job"]["id"] for r in results if r.json()["job"]}
        assert len(job_ids) == 1
        await wait_for_job(client, acct, job_ids.pop())
    assert await GenerationJob.count() == 1
    assert await Plan.count() == 1
    assert [c["kind"] for c in fake_openai.calls].count("outline") == 1


async def test_idempotency_key_replay_and_reuse(client):
    acct = await account(client)
    headers = {**acct.headers, "Idempotency-Key": "key-123"}
    body = generate_body(acct.profile_id, regenerate=True)
    first = await client.post("/api/v1/plans/generate", json=body, headers=headers)
    second = await client.post("/api/v1/plans/generate", json=body, headers=headers)
    assert first.status_code == 202 and second.status_code in (200, 202)
    assert second.json()["job"]["id"] == first.json()["job"]["id"]
    other = generate_body(acct.profile_id, regenerate=True, answers=responses(plan_weeks=8))
    reused = await client.post("/api/v1/plans/generate", json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    await wait_for_job(client, acct, first.json()["job"]["id"])
    assert await GenerationJob.count() == 1


async def test_idempotency_key_is_scoped_per_user(client):
    alice, bob = await account(client), await account(client)
    a = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(alice.profile_id),
        headers={**alice.headers, "Idempotency-Key": "shared"},
    )
    b = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(bob.profile_id),
        headers={**bob.headers, "Idempotency-Key": "shared"},
    )
    assert a.status_code == b.status_code == 202
    assert a.json()["job"]["id"] != b.json()["job"]["id"]


async def test_another_users_profile_is_not_found(client):
    alice, bob = await account(client), await account(client)
    r = await client.post("/api/v1/plans/generate", json=generate_body(bob.profile_id), headers=alice.headers)
    assert r.status_code == 404
    assert r.json()["code"] == "profile_not_found"
    assert await GenerationJob.count() == 0


async def test_legacy_jwt_token_in_body(client):
    acct = await account(client)
    body = generate_body(acct.profile_id, jwt_token=acct.token)
    r = await client.post("/api/v1/plans/generate", json=body)
    assert r.status_code == 202, r.text
    bad = generate_body(acct.profile_id, jwt_token=acct.token[:-4] + "AAAA")
    r = await client.post("/api/v1/plans/generate", json=bad)
    assert r.status_code == 401 and "www-authenticate" in r.headers


async def test_personal_info_is_saved_to_the_profile(client):
    acct = await account(client)
    info = personal_info(age=51, goal="endurance")
    await client.post(
        "/api/v1/plans/generate", json=generate_body(acct.profile_id, info=info), headers=acct.headers
    )
    profile = (
        await UserProfile.objects()
        .where(UserProfile.id == uuid.UUID(acct.profile_id))
        .output(load_json=True)
        .first()
    )
    assert profile.personal_info["age"] == 51 and profile.personal_info["goal"] == "endurance"
