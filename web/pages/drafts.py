"""The browser's onboarding draft: what the person typed, kept as typed, and checked with the API's own rules.

The draft lives in UserProfile.onboarding_draft as {"step", "answers", "personal"}; values are the raw
form strings (and lists for checkboxes) so that nothing typed is ever lost, even when it is invalid.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from web.clock import now
from web.db import with_retries
from web.errors import InvalidInput
from web.onboarding.questions import QUESTIONS, QuestionType
from web.onboarding.schemas import Answer
from web.onboarding.validation import check_answers, cross_field_errors, parse_personal_info
from web.pages.fields import Field, fields_for, personal_fields
from web.tables import UserProfile

STEPS = ("questions", "personal", "review")
STEP_TITLES = {"questions": "Your training", "personal": "About you", "review": "Review"}
MAX_RAW_CHARS = 2000  # more than any field accepts: the rules report the excess, the draft stays bounded


# -- the stored draft ----------


@dataclass
class Draft:
    step: str = "questions"
    answers: dict[str, Any] = field(default_factory=dict)
    personal: dict[str, Any] = field(default_factory=dict)

    def section(self, step: str) -> dict[str, Any]:
        return self.answers if step == "questions" else self.personal

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "answers": self.answers, "personal": self.personal}


def load_draft(profile: UserProfile) -> Draft:
    raw = profile.onboarding_draft
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "{}")
        except ValueError:
            raw = {}
    if not isinstance(raw, dict):
        raw = {}
    step = raw.get("step") if raw.get("step") in STEPS else "questions"
    answers = raw.get("answers") if isinstance(raw.get("answers"), dict) else {}
    personal = raw.get("personal") if isinstance(raw.get("personal"), dict) else {}
    return Draft(step=step, answers=answers, personal=personal)


async def save_draft(profile: UserProfile, draft: Draft) -> None:
    async def write() -> None:
        await UserProfile.update(
            {UserProfile.onboarding_draft: draft.to_json(), UserProfile.updated_at: now()}
        ).where(UserProfile.id == profile.id)

    await with_retries(write, what="save_draft")


def read_form(step: str, form: Any) -> dict[str, Any]:
    """The step's fields from a submitted form, as typed (bounded in size)."""
    out: dict[str, Any] = {}
    for f in fields_for(step):
        if f.is_list:
            out[f.key] = [str(v)[:64] for v in form.getall(f.key, [])][:20]
        else:
            out[f.key] = str(form.get(f.key, ""))[:MAX_RAW_CHARS]
        if f.kind == "measure":
            out[f.unit_key] = str(form.get(f.unit_key, f.unit))[:8]
    return out


# -- the same rules as the API ----------


def _number(raw: str) -> Answer:
    text = raw.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # the rules answer "Enter a number."
    if not math.isfinite(value):
        return text
    return int(value) if value.is_integer() else value


def typed_answers(answers: dict[str, Any]) -> dict[str, Answer]:
    """The draft's answers as the API receives them; blank ones are left out."""
    out: dict[str, Answer] = {}
    for q in QUESTIONS:
        raw = answers.get(q.id)
        if q.type in (QuestionType.number, QuestionType.scale):
            value = _number(raw) if isinstance(raw, str) else None
            if q.unit == "km" and answers.get(f"{q.id}_unit") == "mi" and isinstance(value, int | float):
                value = round(value * KM_PER_MILE, 1)  # the API takes kilometres
        elif q.type == QuestionType.multi_choice:
            value = [str(v) for v in raw] if isinstance(raw, list) else []
        else:
            value = raw if isinstance(raw, str) else ""
        if value is not None and value != [] and value != "":
            out[q.id] = value
    return out


def answer_errors(answers: dict[str, Any], max_free_text: int) -> dict[str, str]:
    errors = check_answers([q.id for q in QUESTIONS], typed_answers(answers), max_free_text=max_free_text)
    out = {e["field"].removeprefix("initial_responses."): e["message"] for e in errors}
    for q in QUESTIONS:  # a range said in the unit the person chose
        if q.id in out and answers.get(f"{q.id}_unit") == "mi" and q.max is not None and "from" in out[q.id]:
            out[q.id] = f"Enter a distance from {q.min or 0:g} to {q.max / KM_PER_MILE:.0f} miles."
    return out


KM_PER_MILE = 1.609344
_FEET_INCHES = re.compile(
    r"""^\s*(?P<ft>\d+(?:\.\d+)?)\s*(?:'|\u2019|\u2032|ft\.?|feet|foot)\s*"""
    r"""(?:(?P<in>\d+(?:\.\d+)?)\s*(?:"|\u201d|\u2033|''|in\.?|inch|inches)?)?\s*$""",
    re.IGNORECASE,
)
_INCHES_ONLY = re.compile(
    r"""^\s*(?P<in>\d+(?:\.\d+)?)\s*(?:"|\u201d|\u2033|in\.?|inch|inches)\s*$""", re.IGNORECASE
)


def inches(raw: str) -> str:
    """A height typed in feet and inches (5'6", 5 ft 6 in, 5ft6, 5') as total inches ("66"); anything
    else as typed (a plain number is already inches; the rules refuse the rest in words)."""
    if only := _INCHES_ONLY.match(raw):  # 66" or 66 in
        return only["in"]
    match = _FEET_INCHES.match(raw)
    if match is None or float(match["in"] or 0) >= 12:  # 5'13" is not a height: the rules say so
        return raw.strip()
    total = float(match["ft"]) * 12 + float(match["in"] or 0)
    return f"{total:g}"


def personal_payload(personal: dict[str, Any]) -> dict[str, Any]:
    """The draft's personal info as the API receives it (blank fields left out, so they read as missing)."""
    out: dict[str, Any] = {}
    for f in personal_fields():
        raw = personal.get(f.key)
        if f.is_list:
            out[f.key] = [str(v) for v in raw] if isinstance(raw, list) else []
        elif f.kind == "measure":
            if isinstance(raw, str) and raw.strip():
                unit = str(personal.get(f.unit_key) or f.unit)
                value = inches(raw) if (f.key, unit) == ("height", "in") else raw.strip()
                out[f.key] = {"value": value, "unit": unit}
        elif f.key == "notes":
            out[f.key] = raw if isinstance(raw, str) else ""
        elif isinstance(raw, str) and raw.strip():
            out[f.key] = raw.strip()
    return out


_FIELD_NAME = re.compile(r"^[a-z_]+")


def personal_errors(personal: dict[str, Any]) -> dict[str, str]:
    payload = personal_payload(personal)
    try:
        parse_personal_info(payload)
    except InvalidInput as exc:
        out: dict[str, str] = {}
        for err in [*(exc.errors or []), *cross_field_errors(payload)]:
            match = _FIELD_NAME.match(err["field"])
            # PersonalInfo's one rule across fields (enough days for the sessions) has no field of its own.
            key = match.group(0) if match and err["field"] != "body" else "available_days"
            out.setdefault(key, err["message"])
        return out
    return {}


def step_errors(step: str, draft: Draft, max_free_text: int) -> dict[str, str]:
    if step == "questions":
        return answer_errors(draft.answers, max_free_text)
    return personal_errors(draft.personal)


def filled_fields(step: str, draft: Draft, errors: dict[str, str] | None = None) -> list[Field]:
    """The step's fields with the draft's values and the given errors."""
    values = draft.section(step)
    out = []
    for f in fields_for(step):
        if f.key in values:
            raw = values[f.key]
            f.value = (
                (list(raw) if isinstance(raw, list) else [])
                if f.is_list
                else (raw if isinstance(raw, str) else "")
            )
        if f.kind == "measure" and values.get(f.unit_key) in {u.value for u in f.units}:
            f.unit = values[f.unit_key]
        f.error = (errors or {}).get(f.key)
        out.append(f)
    return out


def generate_body(draft: Draft, profile_id: Any, *, regenerate: bool) -> dict[str, Any]:
    """The draft as the body of a generate request (validated by the API's own parser afterwards)."""
    return {
        "user_profile_id": str(profile_id),
        "personal_info": personal_payload(draft.personal),
        "initial_questions": [q.id for q in QUESTIONS],
        "initial_responses": typed_answers(draft.answers),
        "regenerate": regenerate,
    }


def summary(step: str, draft: Draft) -> list[tuple[str, str]]:
    """(label, what was answered) for the review step, in words."""
    rows = []
    for f in filled_fields(step, draft):
        labels = {o.value: o.label for o in f.options}
        if f.is_list:
            shown = ", ".join(labels.get(v, v) for v in f.value) or "None"
        elif f.kind == "measure":
            if not f.value.strip():
                shown = "Not answered"
            elif f.typed_as_text and _FEET_INCHES.match(f.value):  # 5'6" says its units itself
                shown = f.value.strip()
            else:
                shown = f"{f.value} {f.unit}"
        elif f.kind in ("radio", "scale") and f.value:
            shown = labels.get(f.value, f.value) if f.kind == "radio" else f"{f.value} of {len(f.options)}"
        else:
            shown = f.value.strip() or ("Not answered" if f.required else "—")
            if f.suffix and f.value.strip():
                shown = f"{shown} {f.suffix}"
        rows.append((f.label, shown))
    return rows


def _raw(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def draft_from_request(request: dict[str, Any]) -> Draft:
    """A draft holding what an earlier generate request sent (from the app or the API), to start from."""
    answers = {k: _raw(v) for k, v in (request.get("initial_responses") or {}).items()}
    personal: dict[str, Any] = {}
    info = request.get("personal_info") or {}
    for f in personal_fields():
        value = info.get(f.key)
        if f.kind == "measure" and isinstance(value, dict):
            personal[f.key] = _raw(value.get("value"))
            personal[f.unit_key] = str(value.get("unit") or f.unit)
        elif value is not None:
            personal[f.key] = _raw(value)
    return Draft(step="review", answers=answers, personal=personal)
