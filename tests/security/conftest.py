"""Security suite set-up: a JWKS server over real HTTP, Redis gating, and small shared helpers."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

REDIS_URL = "redis://127.0.0.1:6379/15"


# ---------------------------------------------------------------------------------------------- Redis


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _redis_gate(request: pytest.FixtureRequest) -> None:
    """Tests marked `redis` skip when Redis does not answer, and start from an empty db 15."""
    if request.node.get_closest_marker("redis") is None:
        return
    if not _redis_answers():
        pytest.skip("needs Redis at 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------- JWKS


@dataclass
class Jwks:
    """A JSON Web Key Set served over HTTP from a thread: an RSA key (RS256) and an EC P-256 key (ES256)."""

    issuer: str = "https://idp.example.test"
    audience: str = "trainplan-api"
    rsa_key: Any = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    ec_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    delay: float = 0.0  # seconds the server waits before answering
    status: int = 200
    body: bytes | None = None  # overrides the key set
    requests: int = 0
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def key_set(self) -> dict:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec_key.public_key()))
        rsa_jwk.update(kid="rsa-1", use="sig", alg="RS256")
        ec_jwk.update(kid="ec-1", use="sig", alg="ES256")
        return {"keys": [rsa_jwk, ec_jwk]}

    def claims(self, **overrides: Any) -> dict:
        now = int(time.time())
        claims = {
            "sub": "idp|alice",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "iss": self.issuer,
            "aud": self.audience,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def rs256(
        self, *, kid: str = "rsa-1", key: Any = None, headers: dict | None = None, **claims: Any
    ) -> str:
        return jwt.encode(
            self.claims(**claims),
            key or self.rsa_key,
            algorithm="RS256",
            headers={"kid": kid, **(headers or {})},
        )

    def es256(self, *, kid: str = "ec-1", key: Any = None, **claims: Any) -> str:
        return jwt.encode(self.claims(**claims), key or self.ec_key, algorithm="ES256", headers={"kid": kid})

    def start(self) -> Jwks:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                if owner.delay:
                    time.sleep(owner.delay)
                payload = owner.body if owner.body is not None else json.dumps(owner.key_set()).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self._server.serve_forever, name="jwks", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    server = Jwks().start()
    yield server
    server.stop()


def external_settings(jwks: Jwks, **overrides: Any) -> dict:
    return {"jwt_jwks_url": jwks.url, "jwt_issuer": jwks.issuer, "jwt_audience": jwks.audience, **overrides}


# ---------------------------------------------------------------------------------------------- helpers


def assert_problem(response, status: int, code: str) -> dict:
    """A problem-details answer (RFC 9457) with a stable code, and never a stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["title"] and body["detail"] and body["request_id"] == response.headers["x-request-id"]
    assert body["type"].endswith("/" + code.replace("_", "-"))
    assert "Traceback" not in response.text
    return body


def without_request_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


async def raw_post(
    url: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 request over a plain socket, for header bytes that httpx refuses to send."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = [
        b"POST " + path.encode() + b" HTTP/1.1",
        b"Host: " + parts.netloc.encode(),
        b"Content-Type: application/json",
        b"Content-Length: " + str(len(body)).encode(),
        b"Connection: close",
    ]
    head += [name + b": " + value for name, value in headers]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    header_block, _, payload = rest.partition(b"\r\n\r\n")
    out = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        out[name.decode().lower()] = value.strip().decode("latin-1")
    return int(status_line.split()[1]), out, payload
