"""Idempotency-Key abuse: malformed keys are refused before anything is written, keys are per user, and
an expired key starts afresh. (Empty and 256-character keys, spaces and tabs are covered in
tests/integration/generation/test_generate_validation.py.)"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import httpx
import pytest

from tests.factories import account, generate_body, responses, wait_for_job
from tests.security.conftest import assert_problem, raw_post
from web.tables import GenerationEvent, GenerationJob, IdempotencyKey


async def _nothing_written() -> None:
    assert await GenerationJob.count() == 0
    assert await GenerationEvent.count() == 0
    assert await IdempotencyKey.count() == 0


def _check_refusal(status: int, headers, payload: bytes, key: str) -> None:
    assert status == 422, payload
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(payload)
    assert problem["code"] == "invalid_idempotency_key" and problem["status"] == 422
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert not key or key not in payload.decode("utf-8", "replace")  # the bad key is not echoed back
    assert headers["x-content-type-options"] == "nosniff"


CONTROL = ["key\u0000nul", "key\u0001ctl", "key\u001bESC", "key\u007fdel", "key\rCR"]


@pytest.mark.parametrize("key", ["", "x" * 256, "\u00e9t\u00e9-2026", "ключ", "emoji-\U0001f511", *CONTROL])
async def test_malformed_keys_are_422_and_write_nothing(server, key):
    async with server.client() as client:
        acct = await account(client)
    body = json.dumps(generate_body(acct.profile_id)).encode()
    raw_key = key.encode("utf-8")
    # Over real HTTP. uvicorn itself refuses control characters in a header (400, before the app).
    status, headers, payload = await raw_post(
        server.url,
        "/api/v1/plans/generate",
        [(b"Authorization", f"Bearer {acct.token}".encode()), (b"Idempotency-Key", raw_key)],
        body,
    )
    if key in CONTROL:
        assert status == 400, payload
    else:
        _check_refusal(status, headers, payload, key)
    await _nothing_written()
    # Straight into the app, as a lenient proxy in front of it would pass them: the app refuses them too.
    transport = httpx.ASGITransport(app=server.app, client=("127.0.0.1", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as asgi:
        r = await asgi.post(
            "/api/v1/plans/generate",
            content=body,
            headers=[
                (b"Authorization", f"Bearer {acct.token}".encode()),
                (b"Content-Type", b"application/json"),
                (b"Idempotency-Key", raw_key),
            ],
        )
    _check_refusal(r.status_code, r.headers, r.content, key)
    await _nothing_written()


async def test_the_longest_printable_key_is_accepted(client):
    acct = await account(client)
    key = "".join(chr(c) for c in range(0x21, 0x7F)) * 3  # every printable character
    key = key[:255]
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Idempotency-Key": key},
    )
    assert r.status_code == 202, r.text
    row = await IdempotencyKey.objects().first()
    assert row.key == key


async def test_another_user_reusing_a_key_never_sees_the_first_users_job(client):
    alice, bob = await account(client), await account(client)
    key = {"Idempotency-Key": "7a1c2f0e-shared-key"}
    body = generate_body(alice.profile_id, regenerate=True)
    first = await client.post("/api/v1/plans/generate", json=body, headers={**alice.headers, **key})
    assert first.status_code == 202
    alice_job = first.json()["job"]["id"]
    # Bob replays Alice's exact request and key: her profile is not his, so it is a 404, not her job.
    stolen = await client.post("/api/v1/plans/generate", json=body, headers={**bob.headers, **key})
    assert_problem(stolen, 404, "profile_not_found")
    assert alice_job not in stolen.text
    # Bob's own request under the same key is a new job of his own.
    own = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(bob.profile_id, regenerate=True),
        headers={**bob.headers, **key},
    )
    assert own.status_code == 202 and own.json()["job"]["id"] != alice_job
    assert alice_job not in own.text
    # A different body under the same key is "reused" for Alice only, and never shows Bob's job.
    other = generate_body(alice.profile_id, regenerate=True, answers=responses(plan_weeks=8))
    reused = await client.post("/api/v1/plans/generate", json=other, headers={**alice.headers, **key})
    assert_problem(reused, 422, "idempotency_key_reused")
    assert own.json()["job"]["id"] not in reused.text
    again = await client.post("/api/v1/plans/generate", json=body, headers={**alice.headers, **key})
    assert again.json()["job"]["id"] == alice_job
    rows = await IdempotencyKey.select(IdempotencyKey.user, IdempotencyKey.job).where(
        IdempotencyKey.key == key["Idempotency-Key"]
    )
    assert {(str(r["user"]), str(r["job"])) for r in rows} == {
        (alice.user_id, alice_job),
        (bob.user_id, own.json()["job"]["id"]),
    }
    assert await GenerationJob.count() == 2


async def test_a_key_past_its_expiry_starts_a_fresh_job(client):
    acct = await account(client)
    headers = {**acct.headers, "Idempotency-Key": "expiring-key"}
    body = generate_body(acct.profile_id, regenerate=True)
    first = await client.post("/api/v1/plans/generate", json=body, headers=headers)
    assert first.status_code == 202
    first_job = first.json()["job"]["id"]
    assert (await wait_for_job(client, acct, first_job))["status"] == "succeeded"
    replay = await client.post("/api/v1/plans/generate", json=body, headers=headers)
    assert replay.json()["job"]["id"] == first_job  # within the 24 h: the same job
    # 24 hours later.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await IdempotencyKey.update({IdempotencyKey.expires_at: past}).where(IdempotencyKey.key == "expiring-key")
    fresh = await client.post("/api/v1/plans/generate", json=body, headers=headers)
    assert fresh.status_code == 202, fresh.text
    fresh_job = fresh.json()["job"]["id"]
    assert fresh_job != first_job
    # The expired key is gone; the key now names the fresh job, for another 24 h.
    rows = await IdempotencyKey.objects().where(IdempotencyKey.key == "expiring-key")
    assert [str(r.job) for r in rows] == [fresh_job]
    assert rows[0].expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)
    await wait_for_job(client, acct, fresh_job)
    # An expired key may also come back with another body: that is a new request, not "reused".
    await IdempotencyKey.update({IdempotencyKey.expires_at: past}).where(IdempotencyKey.key == "expiring-key")
    other = generate_body(acct.profile_id, regenerate=True, answers=responses(plan_weeks=6))
    third = await client.post("/api/v1/plans/generate", json=other, headers=headers)
    assert third.status_code == 202, third.text
    assert third.json()["job"]["id"] not in (first_job, fresh_job)
    await wait_for_job(client, acct, third.json()["job"]["id"])
    assert await GenerationJob.count() == 3
    assert uuid.UUID(third.json()["job"]["id"])
