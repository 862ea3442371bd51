"""What every page shares: the session cookie, the signed-in user, page-or-fragment rendering, safe redirects,
template filters and the HTML error pages."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.auth.guards import REFRESH_COOKIE, SESSION_COOKIE, user_from_token
from web.auth.refresh import rotate
from web.errors import AppError, Unauthorized
from web.tables import User

log = logging.getLogger("web.pages")

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


PageUser = NamedDependency[User]  # a page handler's `user: PageUser`: page_user, from the session cookie


class LoginRequired(Exception):
    """No valid session: the visitor is sent to log in and then back."""


def is_htmx(request: Request) -> bool:
    """An htmx request (Litestar's HTMXPlugin makes every request an HTMXRequest)."""
    return bool(getattr(request, "htmx", None))


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` when it is a path on this site, else `default`: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or _CONTROL.search(value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def idempotency_key_of(form: Any) -> str | None:
    """A form's idempotency key (a UUID the page put in it), or None for anything else."""
    try:
        return str(uuid.UUID(str(form.get("idempotency_key"))))
    except ValueError:
        return None


def session_cookie(request: Request, token: str) -> Cookie:
    settings = request.app.state.services.settings
    return _cookie(request, SESSION_COOKIE, token, settings.jwt_access_ttl_seconds)


def refresh_cookie(request: Request, secret: str | None) -> Cookie:
    """ "Keep me signed in": the refresh token, for the session cookie's renewal (None: delete it)."""
    ttl = int(request.app.state.services.settings.refresh_token_ttl_days * 86400)
    return _cookie(request, REFRESH_COOKIE, secret or "", ttl if secret else 0)


def _cookie(request: Request, key: str, value: str, max_age: int) -> Cookie:
    settings = request.app.state.services.settings
    secure = settings.cookie_secure if settings.cookie_secure is not None else came_over_https(request)
    return Cookie(
        key=key, value=value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure
    )


def came_over_https(request: Request) -> bool:
    """https to us, or to a proxy in TRUSTED_PROXIES that says so in X-Forwarded-Proto."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and request.app.state.services.limits.peer_is_trusted_proxy(request)


async def optional_user(request: Request) -> User | None:
    """The person signed in: by the session cookie, or (when it has ended) by renewing it with the
    "keep me signed in" refresh cookie; the new cookies go out with the response (renewed_cookies)."""
    if "renewed_user" in request.state:
        return request.state.renewed_user
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            return await user_from_token(request, token)
        except Unauthorized:
            pass
    secret = request.cookies.get(REFRESH_COOKIE)
    if not secret:
        return None
    services = request.app.state.services
    try:
        user, fresh = await rotate(secret, services.settings.refresh_token_ttl_days)
    except Unauthorized:
        request.state.set_cookies = [refresh_cookie(request, None)]
        request.state.renewed_user = None
        return None
    access = services.tokens.issue_access(str(user.id), generation=user.token_generation)
    request.state.set_cookies = [session_cookie(request, access)]
    if fresh is not None:  # None: a request sent at the same time renewed it; its cookie is the one to keep
        request.state.set_cookies.append(refresh_cookie(request, fresh))
    request.state.renewed_user = user
    return user


def renewed_cookies(app: ASGIApp) -> ASGIApp:
    """Middleware of the pages: the cookies a renewal set (optional_user) go out with the response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            cookies = (scope.get("state") or {}).get("set_cookies")
            if message["type"] == "http.response.start" and cookies:
                message["headers"] = [*message.get("headers", []), *(c.to_encoded_header() for c in cookies)]
            await send(message)

        await app(scope, receive, sending)

    return middleware


async def page_user(request: Request) -> User:
    """The signed-in person, from the session cookie (a dependency of every private page)."""
    user = await optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


def redirect(request: Request, path: str) -> Response:
    """Go to `path`: a 303 for a plain request, an HX-Redirect (a full page load) for an htmx one."""
    if is_htmx(request):
        return ClientRedirect(redirect_to=path)
    return Redirect(path=path, status_code=303)


def render(
    request: Request, page: str, fragment: str | None = None, *, status: int = 200, **context: Any
) -> Template:
    """One endpoint, two answers: the whole page, or (for htmx) the fragment that the page includes."""
    name = fragment if fragment and is_htmx(request) else page
    return Template(
        template_name=name,
        context=context,
        status_code=status,
        headers={"Cache-Control": "no-store", "Vary": "HX-Request"},
    )


def render_string(request: Request, template: str, **context: Any) -> str:
    """A template rendered outside a response (server-sent events carry HTML fragments)."""
    return request.app.template_engine.get_template(template).render(request=request, **context)


# -- errors ----------


def _next_for(request: Request) -> str:
    if is_htmx(request):
        current = request.htmx.current_url
        if current:
            parts = urlsplit(current)
            return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    if request.method == "GET":
        query = request.url.query
        return safe_next(request.url.path + (f"?{query}" if query else ""))
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.url.netloc:
            return safe_next(parts.path)
    return "/"


def login_required_handler(request: Request, exc: LoginRequired) -> Response:
    """To the login page, and back to this page after it. A session that was there and has ended is
    said so on the login page (and, when a form was being sent, that its last change was not kept)."""
    target = "/login?next=" + quote(_next_for(request), safe="/")
    ended = bool(request.cookies.get(SESSION_COOKIE))
    if ended:
        target += "&expired=" + ("lost" if request.method == "POST" else "1")
    response = redirect(request, target)
    if ended:
        response.delete_cookie(SESSION_COOKIE, path="/")  # expired or invalid: drop it
    return response


_PAGE_NOT_FOUND = (
    "Page not found",
    "There is no page at this address. Check the link, or start again from your plan.",
)


def _signed_in(request: Request) -> bool:
    """Whether the session cookie holds a valid token of ours: the error page then keeps the navigation.
    (Exception handlers are synchronous, so this checks the signature only, not the database.)"""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    try:
        request.app.state.services.tokens.verify(token)
    except Exception:  # any refusal: show the page without the navigation
        return False
    return True


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if request.url.path.endswith("/events"):  # an EventSource cannot show a page
        return Response(content=b"", status_code=status)
    return Template(
        template_name="errors/error.html",
        status_code=status,
        context={"status": status, "title": title, "detail": detail, "user": _signed_in(request)},
    )


def app_error_handler(request: Request, exc: AppError) -> Response:
    log.info("page request refused", extra={"code": exc.code, "status": exc.status_code})
    if exc.status_code == 404:  # "no plan with this id" is API talk: a person sees a missing page
        return _error_page(request, 404, *_PAGE_NOT_FOUND)
    return _error_page(request, exc.status_code, exc.title, exc.detail)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, PermissionDeniedException):
        return _error_page(
            request,
            403,
            "This form has expired",
            "Your form could not be verified (it may have been open too long). Go back, reload "
            "the page and try again.",
        )
    if isinstance(exc, NotFoundException):
        return _error_page(request, 404, *_PAGE_NOT_FOUND)
    if exc.status_code == 413:
        return _error_page(
            request, 413, "Too much text", "What you sent is too large. Shorten your notes and try again."
        )
    if exc.status_code >= 500:
        log.error("page http exception", extra={"status": exc.status_code})
        return _error_page(
            request, exc.status_code, "Something went wrong", "Something went wrong on our side. Try again."
        )
    return _error_page(request, exc.status_code, "That did not work", "The request could not be understood.")


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled page error", extra={"error_type": type(exc).__name__})
    return _error_page(
        request,
        500,
        "Something went wrong",
        "Something went wrong on our side. It has been logged; please try again.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequired: login_required_handler,
    AppError: app_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
