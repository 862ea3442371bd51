"""Pydantic's validation errors as the field errors a person can act on: `{"field", "message", "code"}`
with the field as a dotted path (`personal_info.height.value`, `weeks[0]`), one error per field, in
plain words. One formatter for every face: the API's typed bodies (web/errors.py), the generate request
and the pages' forms (web/onboarding/validation.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

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
