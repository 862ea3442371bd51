"""Bad tokens of every kind are a 401 problem with WWW-Authenticate, never a 500; nothing of them is logged."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.factories import PASSWORD, account

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def own(**claims) -> str:
    now = int(time.time())
    base = {
        "sub": "00000000-0000-0000-0000-000000000000",
        "iat": now,
        "exp": now + 600,
        "iss": "trainplan",
        "token_use": "access",
    }
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET, algorithm="HS256")


def _rsa_public_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def _assert_401(client, token: str | None, header: str | None = None):
    headers = {"Authorization": header if header is not None else f"Bearer {token}"}
    r = await client.get("/api/v1/profile", headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["code"] == "unauthorized"
    return r


async def test_missing_token(client):
    r = await client.get("/api/v1/profile")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "token", "Bearer a b"])
async def test_malformed_header(client, header):
    await _assert_401(client, None, header)


async def test_garbage_and_alg_none_and_wrong_signature(client):
    acct = await account(client)
    alg_none = (
        _b64({"alg": "none", "typ": "JWT"})
        + "."
        + _b64(
            {
                "sub": acct.user_id,
                "iat": int(time.time()),
                "exp": int(time.time()) + 600,
                "token_use": "access",
                "iss": "trainplan",
            }
        )
        + "."
    )
    wrong_sig = jwt.encode(
        {
            "sub": acct.user_id,
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
            "iss": "trainplan",
            "token_use": "access",
        },
        "another-secret-of-enough-length-00000",
        algorithm="HS256",
    )
    for token in ["garbage", "a.b.c", alg_none, wrong_sig, acct.token[:-3] + "xyz"]:
        await _assert_401(client, token)


async def test_expired_and_not_yet_valid(client):
    acct = await account(client)
    now = int(time.time())
    r = await _assert_401(client, own(sub=acct.user_id, iat=now - 7200, exp=now - 3600))
    assert "expired" in r.json()["detail"]
    await _assert_401(client, own(sub=acct.user_id, nbf=now + 3600))
    # within the leeway is accepted
    ok = await client.get(
        "/api/v1/profile",
        headers={"Authorization": f"Bearer {own(sub=acct.user_id, exp=now - 5, iat=now - 60)}"},
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("missing", ["exp", "sub", "iat"])
async def test_required_claims(client, missing):
    acct = await account(client)
    await _assert_401(client, own(**{"sub": acct.user_id, missing: None}))


async def test_refresh_token_is_not_an_access_token(client):
    acct = await account(client)
    await _assert_401(client, own(sub=acct.user_id, token_use="refresh"))


async def test_algorithm_confusion_hs256_with_public_key(client):
    acct = await account(client)
    pem = _rsa_public_pem()
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(
        {
            "sub": acct.user_id,
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
            "iss": "trainplan",
            "token_use": "access",
        }
    )
    import hashlib
    import hmac

    sig = base64.urlsafe_b64encode(hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    await _assert_401(client, f"{header}.{payload}.{sig.rstrip(b'=').decode()}")


async def test_oversize_token(client):
    await _assert_401(client, own(padding="x" * 10_000))


async def test_token_of_unknown_user(client):
    await _assert_401(client, own())


async def test_wrong_audience_and_issuer(start_server):
    server = await start_server(jwt_audience="trainplan-api", jwt_issuer="https://id.trainplan.dev")
    async with server.client() as client:
        acct = await account(client)
        ok = await client.get("/api/v1/profile", headers=acct.headers)
        assert ok.status_code == 200
        now = int(time.time())
        for claims in (
            {"aud": "other", "iss": "https://id.trainplan.dev"},
            {"aud": "trainplan-api", "iss": "evil"},
            {"iss": "https://id.trainplan.dev"},
        ):
            token = jwt.encode(
                {"sub": acct.user_id, "iat": now, "exp": now + 60, "token_use": "access", **claims},
                SECRET,
                algorithm="HS256",
            )
            await _assert_401(client, token)


async def test_login_and_register_errors(client):
    await account(client, email="taken@example.com")
    r = await client.post("/api/v1/auth/register", json={"email": "Taken@example.com", "password": PASSWORD})
    assert r.status_code == 409 and r.json()["code"] == "email_taken"
    r = await client.post(
        "/api/v1/auth/token", json={"email": "taken@example.com", "password": "wrong password!"}
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = await client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "wrong password!"}
    )
    assert r.status_code == 401 and r.json()["detail"] == "The email or password is not right."
    r = await client.post("/api/v1/auth/register", json={"email": "bad", "password": "short"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"email", "password"}


async def test_token_response_is_not_cached(client):
    acct = await account(client)
    r = await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


async def test_sign_in_works_while_the_rate_limit_store_is_down(start_server):
    server = await start_server(redis_url="redis://127.0.0.1:1/0", rate_limit_auth_per_minute=3)
    async with server.client() as client:
        acct = await account(client)
        assert (await client.get("/api/v1/profile", headers=acct.headers)).status_code == 200
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/token", json={"email": acct.email, "password": "nope nope nope"}
                )
            ).status_code
            for _ in range(3)
        ]
    assert statuses[-1] == 429  # still limited, in memory


async def test_logout_revokes_the_token_everywhere(client):
    acct = await account(client)
    other_device = (
        await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD})
    ).json()["access_token"]
    assert (await client.get("/api/v1/profile", headers=acct.headers)).status_code == 200
    r = await client.post("/api/v1/auth/logout", headers=acct.headers)
    assert r.status_code == 204
    for token in (acct.token, other_device):
        r = await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and "signed out" in r.json()["detail"]
        page = await client.get(
            "/plan", headers={"accept": "text/html", "Cookie": f"trainplan_session={token}"}
        )
        assert page.status_code in (302, 303) and "/login" in page.headers["location"]
    fresh = (await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD})).json()
    assert (
        await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 200


async def test_the_logout_page_revokes_the_session_token(client):
    acct = await account(client)
    cookie = {"Cookie": f"trainplan_session={acct.token}"}
    page = await client.get("/logout", headers={"accept": "text/html", **cookie})
    token = page.cookies.get("csrftoken") or ""
    r = await client.post(
        "/logout",
        data={"_csrf_token": token},
        headers={"accept": "text/html", "Cookie": f"trainplan_session={acct.token}; csrftoken={token}"},
    )
    assert r.status_code == 303
    assert (await client.get("/api/v1/profile", headers=acct.headers)).status_code == 401
