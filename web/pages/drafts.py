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

from web.auth.services import now
from web.coach.base import Equipment, Experience, Goal, Injury
from web.db import with_retries
from web.errors import InvalidInput
from web.onboarding.questions import QUESTIONS, QuestionType
from web.onboarding.schemas import Answer
from web.onboarding.validation import check_answers, parse_personal_info
from web.plans.schemas import WEEKDAYS
from web.tables import UserProfile

STEPS = ("questions", "personal", "review")
STEP_TITLES = {"questions": "Your training", "personal": "About you", "review": "Review"}
MAX_RAW_CHARS = 2000  # more than any field accepts: the rules report the excess, the draft stays bounded


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class Field:
    """One form field as the templates draw it; `key` names the draft entry, the error and the element ids."""

    key: str
    label: str
    kind: str  # number | text | textarea | radio | checkboxes | scale | measure
    value: Any = ""
    options: list[Choice] = field(default_factory=list)
    units: list[Choice] = field(default_factory=list)
    unit: str = ""
    help: str | None = None
    suffix: str | None = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    error: str | None = None
    group: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind == "checkboxes"

    @property
    def unit_key(self) -> str:
        return f"{self.key}_unit"


def _choices(pairs: list[tuple[str, str]]) -> list[Choice]:
    return [Choice(v, label) for v, label in pairs]


def question_fields() -> list[Field]:
    kinds = {QuestionType.number: "number", QuestionType.scale: "scale", QuestionType.single_choice: "radio",
             QuestionType.multi_choice: "checkboxes", QuestionType.free_text: "textarea"}
    out = []
    for q in QUESTIONS:
        options = [Choice(o.value, o.label) for o in q.options]
        if q.type == QuestionType.scale:
            options = [Choice(str(n), str(n)) for n in range(int(q.min or 1), int(q.max or 5) + 1)]
        out.append(Field(key=q.id, label=q.text, kind=kinds[q.type], help=q.help, suffix=q.unit, required=q.required,
                         options=options, min=q.min, max=q.max, max_length=q.max_length,
                         value=[] if q.type == QuestionType.multi_choice else ""))
    return out


_EQUIPMENT = {"dumbbells": "Dumbbells", "barbell": "Barbell", "squat_rack": "Squat rack", "bench": "Bench",
              "kettlebell": "Kettlebell", "pull_up_bar": "Pull-up bar", "resistance_bands": "Resistance bands",
              "cable_machine": "Cable machine", "treadmill": "Treadmill", "stationary_bike": "Stationary bike",
              "rower": "Rowing machine", "jump_rope": "Jump rope"}
_INJURIES = {"knee": "Knee", "lower_back": "Lower back", "shoulder": "Shoulder", "wrist": "Wrist", "ankle": "Ankle",
             "hip": "Hip", "neck": "Neck", "elbow": "Elbow"}
_GOALS = {"strength": "Get stronger", "muscle": "Build muscle", "fat_loss": "Lose fat",
          "endurance": "Build endurance", "general": "General fitness"}
_EXPERIENCE = {"beginner": "Beginner: new to training, or returning after a long break",
               "intermediate": "Intermediate: training regularly for some months",
               "advanced": "Advanced: years of structured training"}
_DAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def personal_fields() -> list[Field]:
    return [
        Field("age", "Age", "number", suffix="years", min=13, max=100, group="About you"),
        Field("sex", "Sex", "radio", options=_choices([("female", "Female"), ("male", "Male"), ("other", "Other"),
                                                       ("prefer_not_to_say", "Prefer not to say")]),
              group="About you"),
        Field("height", "Height", "measure", units=_choices([("cm", "cm"), ("in", "in")]), unit="cm",
              group="About you"),
        Field("weight", "Weight", "measure", units=_choices([("kg", "kg"), ("lb", "lb")]), unit="kg",
              group="About you"),
        Field("experience_level", "Training experience", "radio",
              options=_choices([(e.value, _EXPERIENCE[e.value]) for e in Experience]), group="About you"),
        Field("goal", "Main goal", "radio", options=_choices([(g.value, _GOALS[g.value]) for g in Goal]),
              group="About you"),
        Field("days_per_week", "Training sessions per week", "number", min=1, max=6, suffix="sessions",
              help="From 1 to 6: at least one day stays for rest.", group="Your schedule"),
        Field("available_days", "Days you can train", "checkboxes", value=[],
              options=_choices([(d.value, _DAYS[d.value]) for d in WEEKDAYS]),
              help="Pick at least as many days as sessions.", group="Your schedule"),
        Field("minutes_per_session", "Minutes per session", "number", min=20, max=180, suffix="minutes",
              help="From 20 to 180 minutes.", group="Your schedule"),
        Field("equipment", "Equipment you can use", "checkboxes", value=[], required=False,
              options=_choices([(e.value, _EQUIPMENT[e.value]) for e in Equipment]),
              help="Bodyweight exercises are always included.", group="Equipment and health"),
        Field("injuries", "Injuries or pain to work around", "checkboxes", value=[], required=False,
              options=_choices([(i.value, _INJURIES[i.value]) for i in Injury]), group="Equipment and health"),
        Field("notes", "Anything else your coach should know?", "textarea", required=False, max_length=1000,
              help="Optional, up to 1000 characters.", group="Equipment and health"),
    ]


def fields_for(step: str) -> list[Field]:
    return question_fields() if step == "questions" else personal_fields()


# -- the stored draft ---------------------------------------------------------------------------------------------


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


# -- the same rules as the API -------------------------------------------------------------------------------------


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
        elif q.type == QuestionType.multi_choice:
            value = [str(v) for v in raw] if isinstance(raw, list) else []
        else:
            value = raw if isinstance(raw, str) else ""
        if value is not None and value != [] and value != "":
            out[q.id] = value
    return out


def answer_errors(answers: dict[str, Any], max_free_text: int) -> dict[str, str]:
    errors = check_answers([q.id for q in QUESTIONS], typed_answers(answers), max_free_text=max_free_text)
    return {e["field"].removeprefix("initial_responses."): e["message"] for e in errors}


def personal_payload(personal: dict[str, Any]) -> dict[str, Any]:
    """The draft's personal info as the API receives it (blank fields left out, so they read as missing)."""
    out: dict[str, Any] = {}
    for f in personal_fields():
        raw = personal.get(f.key)
        if f.is_list:
            out[f.key] = [str(v) for v in raw] if isinstance(raw, list) else []
        elif f.kind == "measure":
            if isinstance(raw, str) and raw.strip():
                out[f.key] = {"value": raw.strip(), "unit": str(personal.get(f.unit_key) or f.unit)}
        elif f.key == "notes":
            out[f.key] = raw if isinstance(raw, str) else ""
        elif isinstance(raw, str) and raw.strip():
            out[f.key] = raw.strip()
    return out


_FIELD_NAME = re.compile(r"^[a-z_]+")


def personal_errors(personal: dict[str, Any]) -> dict[str, str]:
    try:
        parse_personal_info(personal_payload(personal))
    except InvalidInput as exc:
        out: dict[str, str] = {}
        for err in exc.errors or []:
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
            f.value = (list(raw) if isinstance(raw, list) else []) if f.is_list else (raw if isinstance(raw, str)
                                                                                       else "")
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
            shown = f"{f.value} {f.unit}" if f.value.strip() else "Not answered"
        elif f.kind in ("radio", "scale") and f.value:
            shown = labels.get(f.value, f.value) if f.kind == "radio" else f"{f.value} of {len(f.options)}"
        else:
            shown = f.value.strip() or ("Not answered" if f.required else "—")
            if f.suffix and f.value.strip():
                shown = f"{shown} {f.suffix}"
        rows.append((f.label, shown))
    return rows
