"""Web Push, against a local push service over real HTTP that checks the VAPID signature and decrypts the
payload with the subscription's own keys, as a browser's push service and the browser would."""

from __future__ import annotations

import asyncio
import base64
import json
import os

import http_ece
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.factories import account, generate_body, until
from tests.integration.generation.test_failures import _llm
from tests.live import free_port
from web.tables import PushSubscription


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service and the browser behind it: it keeps the browser's keys, checks each message's VAPID
    token against the server key the browser subscribed with, and decrypts the payload."""

    def __init__(self) -> None:
        self.port = free_port()
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.received: list[dict] = []
        self.answer = 201
        self.server_key: str | None = None
        app = Starlette(routes=[Route("/push/{id}", self._push, methods=["POST"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )

    def subscription(self, name: str = "device-1") -> dict:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        endpoint = f"http://127.0.0.1:{self.port}/push/{name}"
        return {"endpoint": endpoint, "keys": {"p256dh": _b64(point), "auth": _b64(self.auth)}}

    async def _push(self, request: Request) -> Response:
        body = await request.body()
        scheme, _, params = request.headers["authorization"].partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert scheme == "vapid" and fields["k"] == self.server_key  # signed by the key we subscribed with
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(fields["k"]))
        claims = jwt.decode(
            fields["t"], public, algorithms=["ES256"], audience=f"http://127.0.0.1:{self.port}"
        )
        assert claims["sub"].startswith("mailto:")
        assert request.headers["content-encoding"] == "aes128gcm" and int(request.headers["ttl"]) > 0
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        self.received.append({"path": request.url.path, "payload": json.loads(plain)})
        return Response(status_code=self.answer)


@pytest.fixture
async def push_service():
    service = PushService()
    task = asyncio.create_task(service.server.serve())
    await until(lambda: _started(service), what="the push service's start")
    yield service
    service.server.should_exit = True
    await task


async def _started(service: PushService) -> bool:
    return service.server.started


async def _generate(client, acct):
    return await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id),
        headers={**acct.headers, "Prefer": "wait=20"},
    )


async def _subscribe(client, acct, service: PushService, name: str = "device-1"):
    key = (await client.get("/api/v1/push/key", headers=acct.headers)).json()["public_key"]
    service.server_key = key
    r = await client.post("/api/v1/push/subscriptions", json=service.subscription(name), headers=acct.headers)
    assert r.status_code == 201, r.text


async def test_a_finished_plan_is_pushed_encrypted_and_signed(start_server, push_service):
    server = await start_server(push_endpoint_hosts="127.0.0.1")
    async with server.client() as client:
        acct = await account(client)
        await _subscribe(client, acct, push_service)
        r = await _generate(client, acct)
        plan = r.json()["plan"]
        await until(lambda: _got(push_service, 1), what="the push message")
    message = push_service.received[0]
    assert message["path"] == "/push/device-1"
    assert message["payload"]["title"] == "Your plan is ready"
    assert message["payload"]["url"] == f"/plans/{plan['id']}"
    assert message["payload"]["job_page"] == f"/generate/{r.json()['job']['id']}"


async def _got(service: PushService, count: int) -> bool:
    return len(service.received) >= count


async def test_a_failed_generation_is_pushed_too(start_server, fake_openai, push_service):
    fake_openai.script({"name": "server_error", "times": 50})
    server = await start_server(
        **_llm(fake_openai, llm_fallback_enabled=False, openai_max_retries=0), push_endpoint_hosts="127.0.0.1"
    )
    async with server.client() as client:
        acct = await account(client)
        await _subscribe(client, acct, push_service)
        r = await _generate(client, acct)
        assert r.json()["status"] == "failed"
        await until(lambda: _got(push_service, 1), what="the push message")
    assert push_service.received[0]["payload"]["title"] == "We couldn't make your plan"


async def test_a_subscription_the_push_service_says_is_gone_is_deleted(start_server, push_service):
    server = await start_server(push_endpoint_hosts="127.0.0.1")
    push_service.answer = 410
    async with server.client() as client:
        acct = await account(client)
        await _subscribe(client, acct, push_service)
        await _generate(client, acct)
        await until(lambda: _got(push_service, 1), what="the push message")

        async def gone():
            return await PushSubscription.count() == 0

        await until(gone, what="the subscription's removal")


async def test_a_push_service_that_is_down_never_touches_the_plan(start_server):
    server = await start_server(push_endpoint_hosts="127.0.0.1")
    down = PushService()  # never started: its port refuses connections
    async with server.client() as client:
        acct = await account(client)
        await _subscribe(client, acct, down)
        r = await _generate(client, acct)
        assert r.status_code == 200 and r.json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "https://evil.example.com/push/1"}, "endpoint"),  # not a push service: never called
        ({"endpoint": "http://169.254.169.254/latest"}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh"),
        ({"keys": {"p256dh": "A" * 87, "auth": "not base64!"}}, "keys.auth"),
        ({"user": "someone-else"}, "body"),
    ],
)
async def test_bad_subscriptions_are_refused_with_nothing_stored(client, push_service, change, field):
    acct = await account(client)
    body = {**push_service.subscription(), **change}
    r = await client.post("/api/v1/push/subscriptions", json=body, headers=acct.headers)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]} or field == "body"
    assert await PushSubscription.count() == 0


async def test_the_browser_subscribes_from_the_page_with_its_service_worker(start_server, push_service):
    server = await start_server(push_endpoint_hosts="127.0.0.1")
    async with server.client() as client:
        acct = await account(client)
        worker = await client.get("/sw.js")
        assert worker.status_code == 200 and "showNotification" in worker.text
        assert worker.headers["content-type"].startswith("text/javascript")
        assert worker.headers["cache-control"] == "no-cache"  # a new worker reaches browsers at once
        cookie = f"trainplan_session={acct.token}"
        page = await client.get("/onboarding/questions", headers={"accept": "text/html", "Cookie": cookie})
        csrf = page.cookies.get("csrftoken") or ""
        body = push_service.subscription("from-page")
        refused = await client.post("/push/subscriptions", json=body, headers={"Cookie": cookie})
        assert refused.status_code == 403  # no CSRF token: refused
        r = await client.post(
            "/push/subscriptions",
            json=body,
            headers={"Cookie": f"{cookie}; csrftoken={csrf}", "x-csrftoken": csrf},
        )
        assert r.status_code == 201, r.text
        for junk in (b"{not json", b"[" * 5000 + b"]" * 5000):  # a 422, as on the API (was a 400 and a 500)
            bad = await client.post(
                "/push/subscriptions",
                content=junk,
                headers={
                    "Cookie": f"{cookie}; csrftoken={csrf}",
                    "x-csrftoken": csrf,
                    "Content-Type": "application/json",
                },
            )
            assert bad.status_code == 422 and "not valid JSON" in bad.text, bad.text  # the pages' error page
    rows = await PushSubscription.select(PushSubscription.endpoint, PushSubscription.user)
    assert [(r["endpoint"], str(r["user"])) for r in rows] == [(body["endpoint"], acct.user_id)]


async def test_ten_devices_at_most_and_logging_out_ends_them(start_server, push_service):
    server = await start_server(push_endpoint_hosts="127.0.0.1")
    async with server.client() as client:
        acct = await account(client)
        for device in range(12):
            await _subscribe(client, acct, push_service, name=f"device-{device}")
        rows = await PushSubscription.select(PushSubscription.endpoint)
        assert sorted(r["endpoint"].rsplit("/", 1)[1] for r in rows) == sorted(
            f"device-{d}" for d in range(2, 12)
        )
        assert (await client.post("/api/v1/auth/logout", headers=acct.headers)).status_code == 204
    assert await PushSubscription.count() == 0
