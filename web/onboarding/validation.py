"""Turn a raw request body into a GenerateRequest, or a list of per-field errors a person can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from web.domain.text import CONTROL_CHARS, NO_CONTROL_MESSAGE
from web.errors import InvalidInput
from web.field_errors import REQUIRED, field_errors_of
from web.onboarding.questions import QUESTIONS, QUESTIONS_BY_ID, Question, QuestionType
from web.onboarding.schemas import Answer, GenerateRequest, PersonalInfo

_RANGE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """A personal-info-aware reading of `exc`: numbers out of range say the schema's own bounds."""
    return field_errors_of(
        exc.errors(include_url=False, include_input=False), prefix=prefix, message_for=range_message
    )


def range_message(err: Any) -> str | None:
    """ "Enter a number from 13 to 100." for a personal-info number out of its schema's range."""
    ctx = err.get("ctx") or {}
    if err["type"] == "string_too_long" and "max_length" in ctx:
        return f"Keep this under {ctx['max_length']} characters."
    if err["type"] not in _RANGE_ERRORS:
        return None
    name = next((part for part in reversed(err["loc"]) if isinstance(part, str)), "")
    model_field = PersonalInfo.model_fields.get(name)
    bounds = {type(c).__name__: c for c in model_field.metadata} if model_field else {}
    if "Ge" in bounds and "Le" in bounds:
        return f"Enter a number from {bounds['Ge'].ge:g} to {bounds['Le'].le:g}."
    limit = ctx.get("ge", ctx.get("gt"))
    return (
        f"Enter a number above {limit:g}." if isinstance(limit, int | float) else "Enter a number in range."
    )


def cross_field_errors(raw: Any) -> list[dict[str, str]]:
    """Rules across fields, checked even while other fields are still wrong (so a person sees them
    at once): enough available days for the sessions a week."""
    if not isinstance(raw, dict):
        return []
    days, sessions = raw.get("available_days"), raw.get("days_per_week")
    try:
        sessions = int(sessions)
    except (TypeError, ValueError):
        return []
    if isinstance(days, list) and 1 <= sessions <= 7 and len(set(days)) < sessions:
        message = f"Choose at least {sessions} available days for {sessions} sessions a week."
        return [_err("available_days", message, "value_error")]
    return []


def parse_personal_info(raw: Any) -> PersonalInfo:
    try:
        return PersonalInfo.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("Some of your personal info is invalid.", errors=field_errors(exc)) from None


def parse_generate_request(raw: Any, *, max_free_text: int) -> GenerateRequest:
    if not isinstance(raw, dict):
        raise InvalidInput(
            "The body must be a JSON object.",
            errors=[
                {
                    "field": "body",
                    "message": "Send a JSON object with user_profile_id, personal_info, initial_questions and "
                    "initial_responses.",
                    "code": "type",
                }
            ],
        )
    try:
        request = GenerateRequest.model_validate(raw)
    except ValidationError as exc:
        errors = field_errors(exc)
        fields = {e["field"] for e in errors}
        for err in cross_field_errors(raw.get("personal_info")):
            err["field"] = f"personal_info.{err['field']}"
            if err["field"] not in fields and "personal_info" not in fields:
                errors.append(err)
        raise InvalidInput("Some fields are missing or invalid.", errors=errors) from None
    errors = check_answers(request.question_ids, request.initial_responses, max_free_text=max_free_text)
    if len(request.personal_info.notes) > max_free_text:  # the schema's 1000 is only the upper bound
        errors.append(_err("personal_info.notes", f"Keep this under {max_free_text} characters.", "too_long"))
    if errors:
        raise InvalidInput("Some answers are missing or invalid.", errors=errors)
    return request


def check_answers(question_ids: list[str], responses: dict[str, Answer], *, max_free_text: int) -> list[dict]:
    errors: list[dict[str, str]] = []
    for i, qid in enumerate(question_ids):
        if qid not in QUESTIONS_BY_ID:
            errors.append(
                _err(f"initial_questions[{i}]", f"Unknown question id '{qid[:64]}'.", "unknown_question")
            )
    if len(set(question_ids)) != len(question_ids):
        errors.append(_err("initial_questions", "Each question may be listed once.", "duplicate_question"))
    asked = set(question_ids)
    for qid in responses:
        if qid not in QUESTIONS_BY_ID:
            errors.append(_err(f"initial_responses.{qid[:64]}", "Unknown question id.", "unknown_question"))
        elif qid not in asked:
            errors.append(
                _err(f"initial_responses.{qid}", "This question is not in initial_questions.", "not_asked")
            )
    for question in QUESTIONS:
        answer = responses.get(question.id)
        if _is_blank(answer):
            if question.required:
                errors.append(_err(f"initial_responses.{question.id}", REQUIRED, "missing"))
            continue
        message = answer_error(question, answer, max_free_text=max_free_text)
        if message:
            errors.append(_err(f"initial_responses.{question.id}", message, "invalid_answer"))
    return errors


def answer_error(question: Question, answer: Answer, *, max_free_text: int) -> str | None:
    """Why `answer` does not fit `question`, in words for a person; None when it fits."""
    match question.type:
        case QuestionType.number | QuestionType.scale:
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                return "Enter a number."
            if question.type == QuestionType.scale and not float(answer).is_integer():
                return "Pick a whole number on the scale."
            if (
                question.min is not None
                and question.max is not None
                and not question.min <= answer <= question.max
            ):
                return f"Enter a number from {question.min:g} to {question.max:g}."
        case QuestionType.single_choice:
            if answer not in {o.value for o in question.options}:
                return "Pick one of the listed options."
        case QuestionType.multi_choice:
            values = {o.value for o in question.options}
            if not isinstance(answer, list) or not all(isinstance(a, str) and a in values for a in answer):
                return "Pick from the listed options."
            if len(set(answer)) != len(answer):
                return "Pick each option once."
        case QuestionType.free_text:
            if not isinstance(answer, str):
                return "Enter text."
            if CONTROL_CHARS.search(answer):
                return NO_CONTROL_MESSAGE
            limit = min(question.max_length or max_free_text, max_free_text)
            if len(answer) > limit:
                return f"Keep this under {limit} characters."
    return None


def _is_blank(answer: Answer) -> bool:
    return (
        answer is None
        or (isinstance(answer, str | list) and len(answer) == 0)
        or (isinstance(answer, str) and not answer.strip())
    )


def _err(field: str, message: str, code: str) -> dict[str, str]:
    return {"field": field, "message": message, "code": code}
