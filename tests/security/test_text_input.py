"""NUL and other control characters, and addresses that are not addresses, are refused with a clear
error on every database, and nothing is written."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, account, generate_body, personal_info, responses
from web.tables import GenerationJob, User


@pytest.mark.parametrize(
    "email",
    [
        "a\x00b@example.com",
        "ana@exa\x00mple.com",
        "<script>@example.com",
        "ana@@example.com",
        "ana@localhost",
        "ana\x07@example.com",
    ],
)
async def test_bad_emails_are_refused_on_register_and_token(client, email):
    r = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "email"
    assert "valid email address" in r.json()["errors"][0]["message"]
    assert await User.count() == 0
    r = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code in (401, 422) and "\x00" not in r.text


async def test_a_nul_in_any_text_field_is_refused(client):
    acct = await account(client)
    bodies = {
        "personal_info.notes": generate_body(acct.profile_id, info=personal_info(notes="fine\x00text")),
        "initial_responses.goal_details": generate_body(
            acct.profile_id, answers=responses(goal_details="run\x00 fast")
        ),
    }
    for field, body in bodies.items():
        r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
        assert r.status_code == 422, r.text
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert "control characters" in errors[field], errors
    r = await client.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": PASSWORD + "\x00"}
    )
    assert r.status_code == 422
    assert await GenerationJob.count() == 0


async def test_a_real_address_is_accepted_and_normalised(client):
    r = await client.post(
        "/api/v1/auth/register", json={"email": " Ana.Lopez@Example.COM ", "password": PASSWORD}
    )
    assert r.status_code == 201 and r.json()["email"] == "ana.lopez@example.com"
