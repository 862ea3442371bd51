"""External identity provider tokens (RS256/ES256 through JWT_JWKS_URL) and the attacks on them.

The JWKS is served over real HTTP from this process; every refusal is a 401 problem with
WWW-Authenticate, never a 500, and a refused token never provisions an account.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.factories import account
from tests.live import free_port
from tests.security.conftest import Jwks, assert_problem, external_settings
from web.tables import User, UserProfile

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def _refused(client, token: str, detail: str | None = None) -> dict:
    r = await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {token}"})
    body = assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert token not in r.text and token[-20:] not in r.text  # the token is never echoed
    if detail:
        assert detail in body["detail"]
    return body


async def _external_users() -> int:
    return await User.count().where(User.external_sub.is_not_null())


async def test_valid_rs256_and_es256_tokens_provision_one_account_each(start_server, jwks):
    server = await start_server(**external_settings(jwks))
    async with server.client() as client:
        for _ in range(2):  # the second request finds the account the first one made
            r = await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {jwks.rs256()}"})
            assert r.status_code == 200, r.text
        profile_id = r.json()["id"]
        r = await client.get(
            "/api/v1/profile", headers={"Authorization": f"Bearer {jwks.es256(sub='idp|bob')}"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["id"] != profile_id
    alice = await User.objects().where(User.external_sub == "idp|alice").first()
    assert alice is not None and alice.password_hash is None and alice.email.endswith("@external.invalid")
    assert await UserProfile.count().where(UserProfile.user == alice.id) == 1
    assert await _external_users() == 2
    assert jwks.requests >= 1


async def test_external_subject_cannot_take_over_a_local_account(start_server, jwks):
    """An IdP token whose `sub` is a local user's id gets its own account, not the local one."""
    server = await start_server(**external_settings(jwks))
    async with server.client() as client:
        local = await account(client)
        r = await client.get(
            "/api/v1/profile", headers={"Authorization": f"Bearer {jwks.rs256(sub=local.user_id)}"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["id"] != local.profile_id
    assert await _external_users() == 1


async def test_algorithm_confusion_and_forged_keys_are_refused(start_server, jwks):
    server = await start_server(**external_settings(jwks))
    pem = jwks.rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwks.claims()
    # HS256 "signed" with the RSA public key as the HMAC secret (the classic confusion), with the IdP's kid.
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"})
    payload = _b64(claims)
    signature = _b64(hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    hs_with_pem = f"{header}.{payload}.{signature}"
    # alg=none with a known kid, with and without a signature part.
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{payload}."
    alg_none_sig = alg_none + "c2ln"
    # Another RSA / EC key signing under the IdP's kids.
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_ec = ec.generate_private_key(ec.SECP256R1())
    forged_rs = jwks.rs256(key=other_rsa)
    forged_es = jwks.es256(key=other_ec)
    # A kid the IdP never published; a kid of the other key type (RS256 header, EC key).
    unknown_kid = jwks.rs256(kid="not-published")
    no_kid = jwt.encode(claims, jwks.rsa_key, algorithm="RS256")
    rs_on_ec_kid = jwks.rs256(kid="ec-1")
    es_on_rsa_kid = jwks.es256(kid="rsa-1")
    # Algorithms outside the allow-list, validly signed by the IdP's own RSA key.
    rs512 = jwt.encode(claims, jwks.rsa_key, algorithm="RS512", headers={"kid": "rsa-1"})
    ps256 = jwt.encode(claims, jwks.rsa_key, algorithm="PS256", headers={"kid": "rsa-1"})
    # An attacker's own JWKS named in the token (jku / x5u / embedded jwk) must never be consulted.
    attacker = Jwks().start()
    try:
        attacker_jwk = attacker.key_set()["keys"][0]
        jku = jwt.encode(
            claims,
            attacker.rsa_key,
            algorithm="RS256",
            headers={"kid": "rsa-1", "jku": attacker.url, "x5u": attacker.url},
        )
        embedded = jwt.encode(
            claims, attacker.rsa_key, algorithm="RS256", headers={"kid": "rsa-1", "jwk": attacker_jwk}
        )
        async with server.client() as client:
            for token in (
                hs_with_pem,
                alg_none,
                alg_none_sig,
                forged_rs,
                forged_es,
                unknown_kid,
                no_kid,
                rs_on_ec_kid,
                es_on_rsa_kid,
                rs512,
                ps256,
                jku,
                embedded,
            ):
                await _refused(client, token)
        assert attacker.requests == 0
    finally:
        attacker.stop()
    assert await _external_users() == 0


BAD_CLAIMS = [
    ({"aud": "someone-else"}, "wrong audience"),
    ({"aud": None}, "no audience"),
    ({"iss": "https://evil.example.test"}, "wrong issuer"),
    ({"iss": None}, "no issuer"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"nbf": int(time.time()) + 3600}, "not yet valid"),
    ({"iat": None}, "no iat"),
    ({"exp": None}, "no exp"),
    ({"sub": None}, "no sub"),
    ({"sub": ""}, "empty sub"),
    ({"token_use": "refresh"}, "refresh token"),
    ({"typ": "refresh"}, "refresh typ"),
    ({"typ": "ID"}, "id token"),
]


async def test_external_claims_are_checked(start_server, jwks):
    server = await start_server(**external_settings(jwks))
    async with server.client() as client:
        for claims, why in BAD_CLAIMS:
            try:
                await _refused(client, jwks.rs256(**claims))
                await _refused(client, jwks.es256(**claims))
            except AssertionError as exc:
                raise AssertionError(f"{why}: {exc}") from None
    assert await _external_users() == 0


async def test_an_external_subject_longer_than_the_column_is_refused(start_server, jwks):
    """`sub` is stored in a 255-character column: a longer one is a 401, not a database error."""
    server = await start_server(**external_settings(jwks))
    async with server.client() as client:
        await _refused(client, jwks.rs256(sub="idp|" + "x" * 300))
    assert await _external_users() == 0


async def test_a_deactivated_external_account_is_refused(start_server, jwks):
    server = await start_server(**external_settings(jwks))
    async with server.client() as client:
        token = jwks.rs256()
        assert (
            await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {token}"})
        ).status_code == 200
        await User.update({User.is_active: False}).where(User.external_sub == "idp|alice")
        await _refused(client, token)
    assert await _external_users() == 1


async def test_oversize_external_token_is_refused_before_any_key_lookup(start_server, jwks):
    server = await start_server(**external_settings(jwks, jwt_max_bytes=2048))
    async with server.client() as client:
        await _refused(client, jwks.rs256(padding="p" * 2100), detail="too large")
    assert jwks.requests == 0
    assert await _external_users() == 0


@pytest.mark.parametrize("failure", ["down", "http_500", "not_json", "empty_set"])
async def test_jwks_failures_are_401_not_500(start_server, jwks, failure):
    url = jwks.url
    if failure == "down":
        url = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"
    elif failure == "http_500":
        jwks.status, jwks.body = 500, b'{"error": "boom"}'
    elif failure == "not_json":
        jwks.body = b"<html>maintenance</html>"
    else:
        jwks.body = b'{"keys": []}'
    server = await start_server(**external_settings(jwks, jwt_jwks_url=url))
    async with server.client() as client:
        await _refused(client, jwks.rs256())
        await _refused(client, jwks.es256())
        # Own (HS256) tokens keep working while the IdP is unreachable.
        local = await account(client)
        assert (await client.get("/api/v1/profile", headers=local.headers)).status_code == 200
    assert await _external_users() == 0


async def test_a_slow_jwks_does_not_freeze_the_server(start_server, jwks):
    """Fetching keys is network I/O: other requests are served while it waits."""
    import httpx

    jwks.delay = 1.5
    server = await start_server(**external_settings(jwks))

    def time_health_check() -> float:
        ends = time.monotonic() + 10
        while jwks.requests == 0:  # until the key fetch is under way (the JWKS server answers after 1.5 s)
            assert time.monotonic() < ends, "the key fetch never started"
            time.sleep(0.01)
        started = time.perf_counter()
        assert httpx.get(server.url + "/health/live", timeout=10).status_code == 200
        return time.perf_counter() - started

    async with server.client() as client:
        slow = asyncio.create_task(
            client.get("/api/v1/profile", headers={"Authorization": f"Bearer {jwks.rs256()}"})
        )
        # Timed from another thread: this test shares its event loop with the server.
        elapsed = await asyncio.to_thread(time_health_check)
        assert (await slow).status_code == 200
    assert elapsed < 0.75, f"a JWKS fetch blocked the event loop for {elapsed:.2f} s"
