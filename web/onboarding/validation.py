"""Turn a raw request body into a GenerateRequest, or a list of per-field errors a person can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from web.errors import InvalidInput
from web.onboarding.questions import QUESTIONS, QUESTIONS_BY_ID, Question, QuestionType
from web.onboarding.schemas import Answer, GenerateRequest, PersonalInfo

_MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "This field is not allowed.",
    "too_short": "This must not be empty.",
    "string_too_short": "This must not be empty.",
    "uuid_parsing": "This must be a valid id.",
    "uuid_type": "This must be a valid id.",
}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in (
            "str",
            "QuestionRef",
            "function-after[_plausible(), Height]",
            "function-after[_plausible(), Weight]",
        ):
            continue  # union/validator branch names are noise to a person
        else:
            out += ("." if out else "") + str(part)
    return out


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for err in exc.errors(include_url=False, include_input=False):
        field = _path((prefix, *err["loc"]) if prefix else tuple(err["loc"]))
        message = _MESSAGES.get(err["type"]) or err["msg"].removeprefix("Value error, ")
        if not message.endswith("."):
            message += "."
        seen.setdefault(field, {"field": field or "body", "message": message, "code": err["type"]})
    return list(seen.values())


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
        raise InvalidInput("Some fields are missing or invalid.", errors=field_errors(exc)) from None
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
                errors.append(
                    _err(f"initial_responses.{question.id}", "This question needs an answer.", "missing")
                )
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
