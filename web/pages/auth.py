"""Sign up, log in, log out: the session cookie holds our own access JWT."""

from __future__ import annotations

from litestar import Request, Response, get, post
from pydantic import ValidationError

from web.auth.guards import REFRESH_COOKIE, SESSION_COOKIE
from web.auth.refresh import new_sign_in
from web.auth.services import Credentials, authenticate, register, sign_out_everywhere
from web.errors import AppError, Conflict, InvalidInput, TooManyRequests, Unauthorized
from web.onboarding.validation import field_errors
from web.pages.common import optional_user, redirect, refresh_cookie, render, safe_next, session_cookie
from web.tables import User


def _form_context(
    request: Request,
    *,
    page: str,
    email: str = "",
    errors: dict | None = None,
    message: str | None = None,
    status: int = 200,
    next_path: str | None = None,
) -> Response:
    next_path = next_path or safe_next(request.query_params.get("next"))
    return render(
        request,
        f"auth/{page}.html",
        status=status,
        user=None,
        email=email,
        errors=errors or {},
        message=message,
        next=next_path,
        logged_out=request.query_params.get("logged_out") == "1",
        expired=request.query_params.get("expired"),
        remember_days=round(request.app.state.services.settings.refresh_token_ttl_days),
    )


async def _credentials(request: Request) -> tuple[str, str, str]:
    form = await request.form()
    return (
        str(form.get("email", "")).strip(),
        str(form.get("password", "")),
        safe_next(form.get("next") or request.query_params.get("next")),
    )


async def _signed_in(request: Request, user: User, next_path: str) -> Response:
    services = request.app.state.services
    token = services.tokens.issue_access(str(user.id), generation=user.token_generation)
    response = redirect(request, next_path)
    response.set_cookie(session_cookie(request, token))
    if (await request.form()).get("remember") == "1":  # "keep me signed in on this device"
        secret = await new_sign_in(user, services.settings.refresh_token_ttl_days)
        response.set_cookie(refresh_cookie(request, secret))
    return response


@get("/signup", name="signup")
async def signup_page(request: Request) -> Response:
    if await optional_user(request) is not None:
        return redirect(request, safe_next(request.query_params.get("next")))
    return _form_context(request, page="signup")


@post("/signup", status_code=303)
async def signup(request: Request) -> Response:
    email, password, next_path = await _credentials(request)
    try:
        await request.app.state.services.limits.check_auth(request, "register")
        creds = Credentials(email=email, password=password)
        user = await register(creds)
    except ValidationError as exc:
        errors = {e["field"]: e["message"] for e in field_errors(exc)}
        return _form_context(
            request, page="signup", email=email, errors=errors, status=422, next_path=next_path
        )
    except InvalidInput as exc:  # a weak password: the same words as on the API
        errors = {e["field"]: e["message"] for e in exc.errors or []}
        return _form_context(
            request, page="signup", email=email, errors=errors, status=422, next_path=next_path
        )
    except Conflict as exc:
        return _form_context(
            request, page="signup", email=email, errors={"email": exc.detail}, status=409, next_path=next_path
        )
    except TooManyRequests as exc:
        return _form_context(
            request, page="signup", email=email, message=exc.detail, status=429, next_path=next_path
        )
    return await _signed_in(request, user, next_path)


@get("/login", name="login")
async def login_page(request: Request) -> Response:
    if await optional_user(request) is not None:
        return redirect(request, safe_next(request.query_params.get("next")))
    return _form_context(request, page="login")


async def _sign_in(request: Request, email: str, password: str) -> User:
    """The person, within the sign-in limits (per address, and per account after failures)."""
    limits = request.app.state.services.limits
    await limits.check_auth(request, "login")
    await limits.check_account(email)
    try:
        return await authenticate(Credentials(email=email, password=password))
    except Unauthorized:
        await limits.login_failed(email)
        raise


@post("/login", status_code=303)
async def login(request: Request) -> Response:
    email, password, next_path = await _credentials(request)
    try:
        user = await _sign_in(request, email, password)
    except (ValidationError, Unauthorized):
        # One message for every wrong combination, like the API: no hint which part was wrong.
        return _form_context(
            request,
            page="login",
            email=email,
            status=422,
            message="The email or password is not right.",
            next_path=next_path,
        )
    except AppError as exc:
        return _form_context(
            request,
            page="login",
            email=email,
            message=exc.detail,
            status=exc.status_code,
            next_path=next_path,
        )
    return await _signed_in(request, user, next_path)


@get("/logout")
async def logout_page(request: Request) -> Response:
    user = await optional_user(request)
    if user is None:
        return redirect(request, "/login")
    return render(request, "auth/logout.html", user=user)


@post("/logout", status_code=303)
async def logout(request: Request) -> Response:
    user = await optional_user(request)
    if user is not None:  # the session token (and every other) stops working, not just this cookie
        await sign_out_everywhere(user)
    response = redirect(request, "/login?logged_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path="/")
    return response


ROUTES = [signup_page, signup, login_page, login, logout_page, logout]
