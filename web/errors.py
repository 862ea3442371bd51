"""One error hierarchy, mapped in one place per face: problem details (RFC 9457) for the API.

Why our own mapping and not Litestar's ProblemDetailsPlugin (checked against Litestar 2.25): the plugin
turns its own `ProblemDetailsException` (and, optionally, HTTPExceptions) into problem documents, with
extra members. What it does not do, and every answer here needs: the request id in the body (the one in
the X-Request-ID header and the logs), our stable `code` for every error including Litestar's own (a 404
from the router, a 405, a 413 from the body limit, a validation error, a 503 from a database that does
not answer), per-field `errors` in one shape, an HTML page instead of JSON for the pages' 404, and a 500
that never carries the exception's text. Wrapping every raise in the plugin's exception would still leave
the router's and the framework's errors to a handler like the one below, so there would be two. One
mapping it is; a face registers what differs (the pages' HTML 404, via `http_exception_handler_with`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.exceptions import (
    MethodNotAllowedException as LitestarMethodNotAllowed,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from web.db import is_transient
from web.field_errors import MessageFor, field_errors_from, is_body_error
from web.observability import current_request_id

log = logging.getLogger("web.errors")
PROBLEM = "application/problem+json"


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class InvalidInput(AppError):
    status_code = 422
    code = "validation_failed"
    title = "Your request has invalid fields"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    title = "Authentication required"

    def __init__(
        self, detail: str = "Sign in again: your access token is missing, invalid or expired.", **kw
    ):
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="trainplan", error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    title = "Request too large"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"
    title = "Too many requests"


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"
    title = "Temporarily unavailable"


def problem(
    status: int, code: str, title: str, detail: str, *, headers=None, errors=None, extra=None
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://trainplan.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": current_request_id(),
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers or {})


def invalid_body(
    detail: str, message_for: MessageFor | None = None, *, within: str = ""
) -> dict[type[Exception], Callable]:
    """A handler's own `exception_handlers` for its typed body: the same 422 as every validation error,
    headed by what this operation asks for ("Check your email and password."), its field messages in
    its own words where `message_for` has them. With `within`, the body is that one field: its fields
    are named from it, as the operation always named them (PUT /profile: `age`, not
    `personal_info.age`), and any other field is refused with "Send only <within>."."""

    def handler(request: Request, exc: HTTPException) -> Response:
        if not is_body_error(exc):
            return http_exception_handler(request, exc)
        errors, headline = field_errors_from(exc, message_for), detail
        for error in errors if within else ():
            if error["field"] == within:
                error["field"] = "body"
            elif error["field"].startswith(within + "."):
                error["field"] = error["field"].removeprefix(within + ".")
            elif error["code"] == "extra_forbidden":
                headline = f"Send only {within}."
        return problem(422, InvalidInput.code, InvalidInput.title, headline, errors=errors)

    return {ValidationException: handler, InternalServerException: handler}


class JsonBodyRequest(Request):
    """The JSON API's request: a body that is not JSON, or nests deeper than the decoder goes (msgspec
    raises RecursionError there, which would be a 500), is a 422 on every typed body alike."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except HTTPException:
            raise  # e.g. 413 from the body size limit
        except (SerializationException, RecursionError, ValueError):
            raise InvalidInput(
                "The body is not valid JSON.",
                errors=[{"field": "body", "message": "Send a JSON object.", "code": "json"}],
            ) from None


def app_error_handler(request: Request, exc: AppError) -> Response:
    log.info("request refused", extra={"code": exc.code, "status": exc.status_code})
    return problem(
        exc.status_code,
        exc.code,
        exc.title,
        exc.detail,
        headers=exc.headers,
        errors=exc.errors,
        extra=exc.extra,
    )


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(
        ("/api/", "/health", "/metrics", "/static/")
    ) and "text/html" in request.headers.get("accept", "")


PageRenderer = Callable[[Request, HTTPException], Response]


def http_exception_handler_with(page_not_found: PageRenderer | None) -> Callable[..., Response]:
    """The handler for Litestar's own exceptions; a person's browser asking for an unknown address gets
    `page_not_found` (the HTML face's page, given by the app: this core knows no face)."""

    def handler(request: Request, exc: HTTPException) -> Response:
        if page_not_found is not None and isinstance(exc, NotFoundException) and _wants_page(request):
            return page_not_found(request, exc)
        return http_exception_handler(request, exc)

    return handler


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own exceptions (routing, body parsing, auth guards) in the same problem shape."""
    status = exc.status_code
    if is_body_error(exc):
        return problem(
            422,
            "validation_failed",
            InvalidInput.title,
            "Some fields are invalid.",
            errors=field_errors_from(exc),
        )
    if isinstance(exc, NotAuthorizedException):
        err = Unauthorized()
        return problem(401, err.code, err.title, err.detail, headers=err.headers)
    if isinstance(exc, PermissionDeniedException):
        return problem(403, "forbidden", Forbidden.title, "You are not allowed to do this.")
    if isinstance(exc, NotFoundException):
        return problem(404, "not_found", NotFound.title, "Nothing was found at this address.")
    if isinstance(exc, LitestarMethodNotAllowed):
        return problem(
            405,
            "method_not_allowed",
            "Method not allowed",
            "This address does not accept that method.",
            headers=exc.headers,
        )
    if status == 413:
        return problem(413, "payload_too_large", PayloadTooLarge.title, "The request body is too large.")
    if status >= 500:
        log.error("http exception", extra={"status": status, "error_type": type(exc).__name__}, exc_info=exc)
        return problem(
            status, "internal_error", "Server error", "Something went wrong on our side. Try again."
        )
    return problem(
        status,
        "bad_request",
        "Bad request",
        "The request could not be understood.",
        headers=getattr(exc, "headers", None),
    )


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if is_transient(exc):  # a locked or unreachable database: a moment's wait helps, unlike for a bug
        log.warning("database unavailable", extra={"error_type": type(exc).__name__})
        return problem(
            503,
            "database_unavailable",
            Unavailable.title,
            "We could not reach our database just now. Try again in a few seconds.",
            headers={"Retry-After": "5"},
        )
    log.exception("unhandled error", extra={"error_type": type(exc).__name__})
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Server error",
        "Something went wrong on our side. It has been logged; please try again.",
    )
