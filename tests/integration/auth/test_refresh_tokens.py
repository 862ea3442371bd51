"""Remember-me sign-ins: the API's refresh tokens rotate on every use, a reused one ends its sign-in,
logging out ends them all; on the web, "keep me signed in" renews the session cookie when it ends."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import PASSWORD, account
from web import clock
from web.tables import RefreshToken


@pytest.fixture
def moved_clock():
    yield clock
    clock.reset()


async def _token(client, acct) -> dict:
    r = await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


async def _refresh(client, secret: str):
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": secret})


async def test_a_refresh_token_works_once_and_gives_a_new_pair(client):
    acct = await account(client)
    first = await _token(client, acct)
    assert first["refresh_expires_in"] == 30 * 86400 and len(first["refresh_token"]) >= 43
    r = await _refresh(client, first["refresh_token"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["user_id"] == acct.user_id
    me = await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200
    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200
    # the stored rows hold hashes, never the secrets
    stored = {row["token_hash"] for row in await RefreshToken.select(RefreshToken.token_hash)}
    assert not {first["refresh_token"], second["refresh_token"]} & stored


async def test_a_reused_refresh_token_ends_its_whole_sign_in(client, moved_clock):
    acct = await account(client)
    stolen = (await _token(client, acct))["refresh_token"]
    other_device = (await _token(client, acct))["refresh_token"]
    rotated = (await _refresh(client, stolen)).json()["refresh_token"]
    soon = await _refresh(client, stolen)  # at once: a request sent with the same token, not a copy
    assert soon.status_code == 401 and soon.json()["code"] == "refresh_token_used"
    moved_clock.advance(31)
    again = await _refresh(client, stolen)  # the copy, used after the real client rotated it
    assert again.status_code == 401 and again.json()["code"] == "invalid_refresh_token"
    assert "sign in again" in again.json()["detail"]
    assert (await _refresh(client, rotated)).status_code == 401  # the family is gone
    assert (await _refresh(client, other_device)).status_code == 200  # another sign-in is not


async def test_two_exchanges_of_one_token_at_once_give_one_pair(client):
    acct = await account(client)
    secret = (await _token(client, acct))["refresh_token"]
    answers = await asyncio.gather(*(_refresh(client, secret) for _ in range(4)))
    assert sorted(r.status_code for r in answers).count(200) <= 1
    assert all(r.status_code in (200, 401) for r in answers)


async def test_logging_out_ends_every_refresh_token(client):
    acct = await account(client)
    secret = (await _token(client, acct))["refresh_token"]
    assert (await client.post("/api/v1/auth/logout", headers=acct.headers)).status_code == 204
    r = await _refresh(client, secret)
    assert r.status_code == 401
    assert await RefreshToken.count() == 0


async def test_an_expired_refresh_token_is_refused(client, moved_clock):
    acct = await account(client)
    secret = (await _token(client, acct))["refresh_token"]
    moved_clock.advance(30 * 86400 + 60)
    assert (await _refresh(client, secret)).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"refresh_token": ""}, 422),
        ({"refresh_token": "x" * 201}, 422),
        ({"refresh_token": 5}, 422),
        ({"refresh_token": "abc", "user": "me"}, 422),
        ({"refresh_token": "not-a-real-token"}, 401),
    ],
)
async def test_bad_refresh_requests_are_refused_with_nothing_issued(client, body, status):
    acct = await account(client)
    await _token(client, acct)
    before = await RefreshToken.select(RefreshToken.id, RefreshToken.used_at)
    r = await client.post("/api/v1/auth/refresh", json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"] and "Traceback" not in r.text
    assert await RefreshToken.select(RefreshToken.id, RefreshToken.used_at) == before


# -- the web: "keep me signed in" -------------------------------------------------------------------


async def _log_in(client, acct, *, remember: bool):
    page = await client.get("/login", headers={"accept": "text/html"})
    assert "Keep me signed in on this device" in page.text
    csrf = page.cookies.get("csrftoken") or ""
    form = {"email": acct.email, "password": PASSWORD, "_csrf_token": csrf, "next": "/onboarding"}
    if remember:
        form["remember"] = "1"
    r = await client.post("/login", data=form, headers={"accept": "text/html", "Cookie": f"csrftoken={csrf}"})
    assert r.status_code == 303, r.text
    return r


async def test_keep_me_signed_in_renews_the_session_when_it_ends(client, moved_clock):
    acct = await account(client)
    r = await _log_in(client, acct, remember=True)
    refresh = r.cookies.get("trainplan_refresh")
    assert refresh and "HttpOnly" in r.headers.get("set-cookie", "")
    # the session cookie has ended (not sent): the refresh cookie signs the person in and is renewed
    page = await client.get(
        "/onboarding/questions", headers={"accept": "text/html", "Cookie": f"trainplan_refresh={refresh}"}
    )
    assert page.status_code == 200, page.status_code
    renewed = page.cookies.get("trainplan_refresh")
    assert page.cookies.get("trainplan_session") and renewed and renewed != refresh
    # the renewed session cookie works on its own
    again = await client.get(
        "/onboarding/questions",
        headers={"accept": "text/html", "Cookie": f"trainplan_session={page.cookies['trainplan_session']}"},
    )
    assert again.status_code == 200
    # a tab that renewed at the same moment with the old cookie still gets a session, and keeps no refresh
    twin = await client.get(
        "/onboarding/questions", headers={"accept": "text/html", "Cookie": f"trainplan_refresh={refresh}"}
    )
    assert (
        twin.status_code == 200
        and twin.cookies.get("trainplan_session")
        and not twin.cookies.get("trainplan_refresh")
    )
    # later, the old refresh cookie presented again is a copy: back to the login page, and the cookie cleared
    clock.advance(31)
    stale = await client.get(
        "/onboarding/questions", headers={"accept": "text/html", "Cookie": f"trainplan_refresh={refresh}"}
    )
    assert stale.status_code in (302, 303) and "/login" in stale.headers["location"]
    assert 'trainplan_refresh=""' in stale.headers.get(
        "set-cookie", ""
    ) or "trainplan_refresh=;" in stale.headers.get("set-cookie", "")


async def test_without_keep_me_signed_in_there_is_no_refresh_cookie(client):
    acct = await account(client)
    before = await RefreshToken.count()  # the API sign-in of `account`
    r = await _log_in(client, acct, remember=False)
    assert r.cookies.get("trainplan_session") and not r.cookies.get("trainplan_refresh")
    assert await RefreshToken.count() == before
