"""ASGI middleware: a request id on every response and log line, security headers, an access log."""

from __future__ import annotations

import logging
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.observability import new_request_id, request_id_var

log = logging.getLogger("web.access")

# htmx and our scripts are same-origin files; htmx's inline indicator styles need 'unsafe-inline' for
# style-src only (htmx.config.includeIndicatorStyles could turn that off, at the cost of a style file).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CSP.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# API answers that carry nobody's data; every other /api/v1 answer gets `Cache-Control: no-store`.
PUBLIC_API = frozenset({"/api/v1/onboarding/questions"})


_SECRET_PATHS = re.compile(r"^/calendar/[^/]+$")  # a calendar feed's address is its key


def _loggable(path: str) -> str:
    """The path as the log may show it: a calendar feed's secret is left out."""
    return "/calendar/[feed]" if _SECRET_PATHS.match(path) else path


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = new_request_id(incoming)
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500
        private = scope["path"].startswith("/api/v1/") and scope["path"] not in PUBLIC_API

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                present = {h[0].lower() for h in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if private and b"cache-control" not in present:  # a person's data: no cache keeps it
                    headers.append((b"cache-control", b"no-store"))
                # A new message, not the sender's: Litestar's response cache replays the one it sent, which
                # must not carry this request's id to the next caller.
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": _loggable(scope["path"]),
                    "status": status,
                    "ms": ms,
                },
            )
            request_id_var.reset(token)
