"""Pydantic's validation errors as the field errors a person can act on: `{"field", "message", "code"}`
with the field as a dotted path (`personal_info.height.value`, `weeks[0]`), one error per field, in
plain words. One formatter for every face: the API's typed bodies (web/errors.py), the generate request
and the pages' forms (web/onboarding/validation.py); and, for a Litestar exception, whether it is a
typed body's error and which (web/errors.py maps it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from litestar.exceptions import HTTPException, InternalServerException, ValidationException

REQUIRED = "This is required."  # one wording for every missing field and answer
MESSAGES = {
    "missing": REQUIRED,
    "extra_forbidden": "This field is not allowed.",
    "too_short": "Pick at least one.",
    "string_too_short": REQUIRED,
    "uuid_parsing": "This must be a valid id.",
    "uuid_type": "This must be a valid id.",
    "int_parsing": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "float_parsing": "Enter a number.",
    "literal_error": "Pick one of the listed options.",
    "enum": "Pick one of the listed options.",
    "model_type": "Send a JSON object.",
    "dict_type": "Send a JSON object.",
}

# Union and validator branch names pydantic puts in an error's location: noise to a person.
_BRANCHES = {
    "str",
    "QuestionRef",
    "function-after[_plausible(), Height]",
    "function-after[_plausible(), Weight]",
}

# A message of a caller's own for an error (a range in the caller's words), or None for the default.
MessageFor = Callable[[dict[str, Any]], "str | None"]


def path_of(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _BRANCHES:
            out += ("." if out else "") + str(part)[:64]  # an unknown field may be named at any length
    return out


def field_errors_of(
    errors: Iterable[dict[str, Any]], *, prefix: str = "", message_for: MessageFor | None = None
) -> list[dict[str, str]]:
    """`errors` as pydantic's `ValidationError.errors()` lists them. The input each error carries is
    never copied out (it may be a password)."""
    seen: dict[str, dict[str, str]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        field = path_of((prefix, *loc) if prefix else loc)
        kind = str(err.get("type", "value_error"))
        message = (
            (message_for(err) if message_for else None)
            or MESSAGES.get(kind)
            or str(err.get("msg", "This value is not valid.")).removeprefix("Value error, ")
        )
        if not message.endswith("."):
            message += "."
        seen.setdefault(field, {"field": field or "body", "message": message, "code": kind})
    return list(seen.values())


def body_errors(exc: HTTPException) -> list[dict[str, Any]] | None:
    """Pydantic's errors for a typed body, which Litestar keeps on the exception's cause.

    Litestar raises them as a 500 (InternalServerException) instead of a ValidationException when an
    error's field is named like one of the route's dependencies: it takes `{"user": ...}` in a body for
    the `user` dependency failing. Our one dependency (`user`, `request.user`) validates nothing, so
    errors that pydantic found in a body are always the caller's."""
    found = getattr(exc.__cause__, "errors", None)
    return found if isinstance(found, list) and all(isinstance(e, dict) for e in found) else None


def field_errors_from(exc: HTTPException, message_for: MessageFor | None = None) -> list[dict[str, Any]]:
    """A typed body's errors as pydantic found them, else Litestar's own (a missing body, a path or query
    parameter of the wrong type)."""
    if (found := body_errors(exc)) is not None:
        return field_errors_of(found, message_for=message_for)
    out = []
    for item in getattr(exc, "extra", None) or []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            if key == "data":  # no body at all
                out.append({"field": "body", "message": "Send a JSON object.", "code": "missing"})
            else:
                out.append(
                    {"field": key, "message": str(item.get("message", "is invalid")), "code": "invalid"}
                )
    return out


def is_body_error(exc: HTTPException) -> bool:
    """A typed body (or a parameter) the caller got wrong: a 422, whichever exception Litestar raised."""
    return isinstance(exc, ValidationException) or (
        isinstance(exc, InternalServerException) and body_errors(exc) is not None
    )
