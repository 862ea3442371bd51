"""Security headers on every kind of response (JSON, problem, event stream, static file, OpenAPI), and the
X-Request-ID: a caller's sane id is echoed, anything else is replaced."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import account, generate_body
from tests.security.conftest import raw_post

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def assert_security_headers(r: httpx.Response) -> None:
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", (r.url, r.status_code, dict(h))
    csp = h["content-security-policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert directives["frame-ancestors"] == "frame-ancestors 'none'", csp
    assert directives["default-src"] == "default-src 'self'" and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in csp
    assert h["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert h["x-frame-options"] == "DENY"
    assert h["x-request-id"]
    assert h.get_list("content-security-policy") == [csp]  # sent once, not duplicated


async def test_headers_on_every_kind_of_response(client):
    acct = await account(client)
    r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers)
    events_url = r.json()["job"]["events_url"]
    responses = [
        r,
        await client.get("/api/v1/onboarding/questions"),  # public JSON
        await client.get("/api/v1/profile", headers=acct.headers),  # private JSON
        await client.get("/api/v1/profile"),  # 401 problem
        await client.get("/api/v1/nothing-here"),  # 404 problem
        await client.delete("/api/v1/profile", headers=acct.headers),  # 405 problem
        await client.post(
            "/api/v1/plans/generate", content=b"x" * 70_000, headers=acct.headers
        ),  # 413 problem
        await client.get("/static/js/app.js"),
        await client.get("/static/css/app.css"),
        await client.get("/static/../web/settings.py"),  # traversal: 404, still with headers
        await client.get("/api/schema/openapi.json"),
        await client.get("/health/live"),
        await client.get("/metrics"),
    ]
    for response in responses:
        assert_security_headers(response)
    statuses = [x.status_code for x in responses]
    assert statuses[3:7] == [401, 404, 405, 413] and statuses[7:9] == [200, 200] and statuses[9] == 404
    assert responses[7].headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "DATABASE_URL" not in responses[9].text
    # The event stream (read to its end; the offline coach is quick).
    async with client.stream(
        "GET", events_url, headers={**acct.headers, "Accept": "text/event-stream"}
    ) as stream:
        assert stream.status_code == 200
        assert_security_headers(stream)
        assert stream.headers["cache-control"] == "no-store"
        await stream.aread()
    # API answers are JSON only, never sniffable or cached by shared caches when private.
    assert responses[2].headers["content-type"] == "application/json"
    assert "public" not in responses[2].headers.get("cache-control", "")


SANE_IDS = ["abc-123", "req_01HZX.9:trace-7", "A" * 64, "0" * 32]
JUNK_IDS = [
    "A" * 65,
    "has space",
    "<script>alert(1)</script>",
    "a/b",
    "ok;evil=1",
    "%0d%0aSet-Cookie:x=1",
    "'\"",
    "x" * 5000,
]


async def test_a_sane_request_id_is_echoed_and_junk_is_replaced(client):
    for rid in SANE_IDS:
        r = await client.get("/api/v1/profile", headers={"X-Request-ID": rid})  # a 401 problem
        assert r.headers["x-request-id"] == rid
        assert r.json()["request_id"] == rid
        # A server-side cached answer: it must not replay an earlier caller's id.
        r = await client.get("/api/v1/onboarding/questions", headers={"X-Request-ID": rid})
        assert r.headers.get_list("x-request-id") == [rid]
    seen = set()
    for rid in JUNK_IDS:
        r = await client.get("/api/v1/profile", headers={"X-Request-ID": rid})
        assert GENERATED_ID.match(r.headers["x-request-id"]), (rid, r.headers["x-request-id"])
        assert r.json()["request_id"] == r.headers["x-request-id"]
        assert rid not in r.text and "set-cookie" not in r.headers
        seen.add(r.headers["x-request-id"])
    assert len(seen) == len(JUNK_IDS)  # a fresh id each time


@pytest.mark.parametrize(
    ("raw", "refused_by_the_http_server"),
    [(b"abc\x01def", True), ("r\u00e9q-id".encode(), False), (b"id\x7f", True), (b"", False)],
)
async def test_request_id_bytes_outside_printable_ascii_are_replaced(server, raw, refused_by_the_http_server):
    """Control characters never reach the app (uvicorn refuses the request: a bare 400); other bytes do,
    and the app answers with an id of its own instead of echoing them."""
    status, headers, payload = await raw_post(
        server.url, "/api/v1/auth/token", [(b"X-Request-ID", raw)], b"{}"
    )
    if refused_by_the_http_server:
        assert status == 400 and not payload.startswith(b"{") and "x-request-id" not in headers
        return
    assert payload.startswith(b"{") and status == 422, (status, payload[:200])
    assert GENERATED_ID.match(headers["x-request-id"]), headers
    assert raw.decode("latin-1") not in headers["x-request-id"] or not raw


async def test_answers_with_a_persons_data_are_never_cached(client):
    from tests.factories import account

    acct = await account(client)
    for path in ("/api/v1/profile", "/api/v1/generations", "/api/v1/playbook", "/api/v1/plans"):
        r = await client.get(path, headers=acct.headers)
        assert r.headers["cache-control"] == "no-store", path
    public = await client.get("/api/v1/onboarding/questions")
    assert "no-store" not in public.headers.get("cache-control", "")


async def test_metrics_can_require_a_token(start_server):
    server = await start_server(metrics_token="metrics-secret-123")
    async with server.client() as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer metrics-secret-123"})
        assert ok.status_code == 200 and "generations" in ok.text


@pytest.mark.parametrize(("trusted", "secure"), [("127.0.0.1", True), ("", False)])
async def test_the_session_cookie_is_secure_behind_a_trusted_https_proxy(start_server, trusted, secure):
    from tests.factories import PASSWORD, account

    server = await start_server(trusted_proxies=trusted)
    async with server.client() as client:
        acct = await account(client)
        page = await client.get("/login", headers={"accept": "text/html"})
        token = page.cookies.get("csrftoken") or ""
        r = await client.post(
            "/login",
            data={"email": acct.email, "password": PASSWORD, "_csrf_token": token},
            headers={"accept": "text/html", "X-Forwarded-Proto": "https", "Cookie": f"csrftoken={token}"},
        )
    assert r.status_code == 303, r.text
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("trainplan_session=")
    )
    assert ("secure" in cookie.lower()) is secure, cookie
