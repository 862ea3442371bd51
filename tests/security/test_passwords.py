"""New passwords: long enough, not common, not repeats, not spaces, not the email; clear messages."""

from __future__ import annotations

import pytest

from web.tables import User


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "Use at least 10 characters."),
        ("aaaaaaaaaa", "Repeats like"),
        ("password123", "very common password"),
        ("          ", "spaces only"),
        ("qwertyuiop12", "commonly used password"),
        ("ana.lopez@example.com", "email address"),
    ],
)
async def test_weak_passwords_are_refused_with_a_reason(client, password, message):
    r = await client.post(
        "/api/v1/auth/register", json={"email": "ana.lopez@example.com", "password": password}
    )
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert message in errors["password"], errors
    assert await User.count() == 0


async def test_a_passphrase_is_fine_and_the_signup_page_says_the_same(client):
    r = await client.post(
        "/api/v1/auth/register", json={"email": "bo@example.com", "password": "a long password 1"}
    )
    assert r.status_code == 201
    page = await client.get("/signup", headers={"accept": "text/html"})
    token = page.cookies.get("csrftoken") or ""
    r = await client.post(
        "/signup",
        data={"email": "cy@example.com", "password": "password123", "_csrf_token": token},
        headers={"accept": "text/html"},
        cookies={"csrftoken": token},
    )
    assert "very common password" in r.text
