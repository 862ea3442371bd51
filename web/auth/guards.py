"""Who is calling: the bearer token (API), the legacy `jwt_token` body field, or the session cookie (pages).

The JSON API's authentication is declared once (`api_router`): `BearerAuthMiddleware` (Litestar's
authentication middleware) verifies the bearer token on every API route except those marked
`exclude_from_auth` (sign-up, sign-in, the questions, and the generate request, which may carry the mobile
app's legacy `jwt_token` in its body and so authenticates once the body is read). `request.user` is the
caller; handlers ask for it as `user: CurrentUser`. The pages read the session cookie instead
(web/pages/common.py), because they answer a missing session with a redirect to sign in, not a 401."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from litestar import Request, Router
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from web.auth.services import user_for_claims
from web.errors import JsonBodyRequest, Unauthorized
from web.tables import User

SESSION_COOKIE = "trainplan_session"
REFRESH_COOKIE = "trainplan_refresh"  # "keep me signed in" on the web: renews the session cookie

CurrentUser = NamedDependency[User]  # a handler parameter `user: CurrentUser` is `request.user`


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the access token as `Authorization: Bearer <token>`.")
    return token.strip()


async def user_from_token(request: ASGIConnection, token: str | None) -> User:
    services = request.app.state.services
    if services.settings.jwt_jwks_url:  # verifying may fetch the JWKS: keep that I/O off the event loop
        claims = await asyncio.to_thread(services.tokens.verify, token)
    else:
        claims = services.tokens.verify(token)
    return await user_for_claims(claims)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        user = await user_from_token(connection, bearer_token(connection))  # 401 problem otherwise
        return AuthenticationResult(user=user, auth=None)


def api_router(*route_handlers) -> Router:
    """The JSON API's handlers behind one declaration of who may call them (pages, health and the API
    docs stay outside)."""
    return Router(
        path="/",
        route_handlers=list(route_handlers),
        middleware=[DefineMiddleware(BearerAuthMiddleware)],
        request_class=JsonBodyRequest,  # a body that is not JSON is a 422 on every operation
        dependencies={"user": Provide(request_user, sync_to_thread=False)},
    )


def auth_attempts(what: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard counting sign-up, sign-in and refresh attempts per address (web/limits.py): a guard runs
    before the body is read, so a flood of bodies, good or bad, is refused before any is parsed."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        await connection.app.state.services.limits.check_auth(connection, what)

    return guard


def request_user(request: Request) -> User:
    """The `user` dependency of the API's handlers: who BearerAuthMiddleware found."""
    return request.user


# The OpenAPI security requirement of the operations that need the access token (the scheme is declared
# in web/app.py's OpenAPIConfig).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
