"""Broken object level authorisation: one user can never read, follow, cancel, activate or generate on
another user's objects. Someone else's id answers exactly like an id that does not exist (no existence
oracle), and the other user's data is unchanged after every attempt."""

from __future__ import annotations

import asyncio
import uuid

from tests.factories import account, generate_body, responses
from tests.security.conftest import assert_problem, without_request_id
from tests.sse import read_events
from web.tables import (
    GenerationEvent,
    GenerationJob,
    IdempotencyKey,
    Plan,
    PlaybookEntry,
    PlaybookRun,
    UserProfile,
)


async def _generate(client, acct, **extra) -> dict:
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, **extra),
        headers={**acct.headers, "Prefer": "wait=30"},
    )
    assert r.status_code == 200, r.text
    return r.json()["plan"]


async def _playbooks_settled(user_ids: list[str], runs: int) -> None:
    for _ in range(300):
        rows = await PlaybookRun.select(PlaybookRun.user, PlaybookRun.status).where(
            PlaybookRun.user.is_in([uuid.UUID(u) for u in user_ids])
        )
        if len(rows) == runs and all(r["status"] != "running" for r in rows):
            assert all(r["status"] == "succeeded" for r in rows), rows
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the playbook tasks did not finish")


async def _snapshot(user_id: str) -> dict:
    """Everything of one user that an attack could change."""
    uid = uuid.UUID(user_id)
    jobs = await GenerationJob.select().where(GenerationJob.user == uid).order_by(GenerationJob.id)
    job_ids = [j["id"] for j in jobs]
    return {
        "profile": await UserProfile.select().where(UserProfile.user == uid),
        "jobs": jobs,
        "events": await GenerationEvent.select()
        .where(GenerationEvent.job.is_in(job_ids))
        .order_by(GenerationEvent.id),
        "plans": await Plan.select().where(Plan.user == uid).order_by(Plan.id),
        "keys": await IdempotencyKey.select().where(IdempotencyKey.user == uid).order_by(IdempotencyKey.id),
        "playbook": await PlaybookEntry.select().where(PlaybookEntry.user == uid).order_by(PlaybookEntry.id),
    }


async def _same_as_missing(
    client, method: str, path: str, other_id: str, code: str, headers: dict, **kw
) -> None:
    """`other_id` (someone else's) and a random id get the same 404: status, body and header names."""
    theirs = await client.request(method, path.format(other_id), headers=headers, **kw)
    missing = await client.request(method, path.format(uuid.uuid4()), headers=headers, **kw)
    body = assert_problem(theirs, 404, code)
    assert_problem(missing, 404, code)
    assert without_request_id(body) == without_request_id(missing.json())
    assert set(theirs.headers) == set(missing.headers)
    assert other_id not in theirs.text


async def test_another_users_objects_look_missing_and_stay_unchanged(start_server):
    first = await start_server()
    async with first.client() as client:
        alice, bob = await account(client), await account(client)
        alice_plan = await _generate(client, alice)
        bob_v1 = await _generate(client, bob, answers=responses(goal_details="BOB-PRIVATE-GOAL"))
        bob_v2 = await _generate(client, bob, regenerate=True)
        await _playbooks_settled([alice.user_id, bob.user_id], runs=3)
    await first.stop()
    # A second instance without a job runner: Bob's next job stays queued, so a successful attack on it
    # (a cancel, say) would show.
    server = await start_server(run_worker=False)
    async with server.client() as client:
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(bob.profile_id, regenerate=True),
            headers={**bob.headers, "Idempotency-Key": "bob-key-1"},
        )
        assert r.status_code == 202, r.text
        bob_job = r.json()["job"]["id"]
        bob_done_job = bob_v1["job_id"]
        before = await _snapshot(bob.user_id)
        alice_before = await _snapshot(alice.user_id)
        a = alice.headers

        # Generating on Bob's profile with Alice's token (also with Bob's token in the legacy body field).
        for extra in ({}, {"jwt_token": bob.token}, {"regenerate": True}):
            theirs = await client.post(
                "/api/v1/plans/generate",
                json=generate_body(bob.profile_id, **extra),
                headers={**a, "Idempotency-Key": "bob-key-1"},
            )
            missing = await client.post(
                "/api/v1/plans/generate",
                json=generate_body(str(uuid.uuid4()), **extra),
                headers={**a, "Idempotency-Key": "bob-key-1"},
            )
            assert without_request_id(assert_problem(theirs, 404, "profile_not_found")) == without_request_id(
                assert_problem(missing, 404, "profile_not_found")
            )
        # Jobs: read, follow, cancel; Bob's queued one and his finished one.
        for job_id in (bob_job, bob_done_job):
            await _same_as_missing(client, "GET", "/api/v1/generations/{}", job_id, "generation_not_found", a)
            await _same_as_missing(
                client,
                "GET",
                "/api/v1/generations/{}/events",
                job_id,
                "generation_not_found",
                {**a, "Accept": "text/event-stream"},
            )
            await _same_as_missing(
                client,
                "GET",
                "/api/v1/generations/{}/events",
                job_id,
                "generation_not_found",
                {**a, "Last-Event-ID": "0"},
            )
            await _same_as_missing(
                client, "POST", "/api/v1/generations/{}/cancel", job_id, "generation_not_found", a
            )
        # Plans: read and activate (roll Bob back to v1).
        for plan_id in (bob_v1["id"], bob_v2["id"]):
            await _same_as_missing(client, "GET", "/api/v1/plans/{}", plan_id, "plan_not_found", a)
            await _same_as_missing(client, "POST", "/api/v1/plans/{}/activate", plan_id, "plan_not_found", a)
        # Lists and singletons only ever show Alice's own objects.
        jobs = (await client.get("/api/v1/generations", headers=a)).json()
        assert {j["id"] for j in jobs} == {alice_plan["job_id"]}
        plans = (await client.get("/api/v1/plans", headers=a)).json()
        assert [p["id"] for p in plans] == [alice_plan["id"]]
        assert (await client.get("/api/v1/plans/current", headers=a)).json()["id"] == alice_plan["id"]
        assert (await client.get("/api/v1/profile", headers=a)).json()["id"] == alice.profile_id
        playbook = await client.get("/api/v1/playbook", headers=a)
        own_notes = (
            await PlaybookEntry.select(PlaybookEntry.text)
            .where(PlaybookEntry.user == uuid.UUID(alice.user_id))
            .order_by(PlaybookEntry.id)
        )
        assert own_notes and [e["text"] for e in playbook.json()["entries"]] == [n["text"] for n in own_notes]
        for response in (jobs, plans):
            assert "BOB-PRIVATE-GOAL" not in str(response)
        for text in (playbook.text,):
            assert bob.user_id not in text and "BOB-PRIVATE-GOAL" not in text

        assert await _snapshot(bob.user_id) == before
        assert await _snapshot(alice.user_id) == alice_before

        # The same calls with Bob's own token work: the 404s above came from ownership alone.
        b = bob.headers
        assert (await client.get(f"/api/v1/generations/{bob_job}", headers=b)).json()["status"] == "queued"
        status, events = await read_events(client, f"/api/v1/generations/{bob_job}/events", b, stop_after=1)
        assert status == 200 and events[0].event == "queued"
        assert (await client.get(f"/api/v1/plans/{bob_v1['id']}", headers=b)).status_code == 200
        assert (await client.get("/api/v1/playbook", headers=b)).json()["entries"]
        r = await client.post(f"/api/v1/generations/{bob_job}/cancel", headers=b)
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        r = await client.post(f"/api/v1/plans/{bob_v1['id']}/activate", headers=b)
        assert r.status_code == 200 and r.json()["is_active"]
