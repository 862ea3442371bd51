"""Who is calling: the bearer token (API), the legacy `jwt_token` body field, or the session cookie (pages)."""

from __future__ import annotations

import asyncio

from litestar import Request
from litestar.di import NamedDependency

from web.auth.services import user_for_claims
from web.errors import Unauthorized
from web.tables import User

SESSION_COOKIE = "trainplan_session"

CurrentUser = NamedDependency[User]  # a handler parameter `user: CurrentUser` is filled by provide_user


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the access token as `Authorization: Bearer <token>`.")
    return token.strip()


async def user_from_token(request: Request, token: str | None) -> User:
    services = request.app.state.services
    if services.settings.jwt_jwks_url:  # verifying may fetch the JWKS: keep that I/O off the event loop
        claims = await asyncio.to_thread(services.tokens.verify, token)
    else:
        claims = services.tokens.verify(token)
    return await user_for_claims(claims)


async def provide_user(request: Request) -> User:
    """The API's caller, from the Authorization header."""
    return await user_from_token(request, bearer_token(request))


# The OpenAPI security requirement of the operations that need the access token (the scheme is declared
# in web/app.py's OpenAPIConfig).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
