"""The onboarding form's fields: what the templates draw for each question and each piece of personal info."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import annotated_types

from web.domain.enums import WEEKDAYS, Equipment, Experience, Goal, Injury
from web.onboarding.questions import QUESTIONS, QuestionType
from web.onboarding.schemas import PersonalInfo


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
    typed_as_text: bool = False  # a measure typed with ' and " (a height in feet and inches)

    @property
    def is_list(self) -> bool:
        return self.kind == "checkboxes"

    @property
    def unit_key(self) -> str:
        return f"{self.key}_unit"


def _choices(pairs: list[tuple[str, str]]) -> list[Choice]:
    return [Choice(v, label) for v, label in pairs]


def question_fields() -> list[Field]:
    kinds = {
        QuestionType.number: "number",
        QuestionType.scale: "scale",
        QuestionType.single_choice: "radio",
        QuestionType.multi_choice: "checkboxes",
        QuestionType.free_text: "textarea",
    }
    out = []
    for q in QUESTIONS:
        if q.unit == "km":  # a distance: in kilometres or miles (sent in km: web/pages/drafts.py)
            out.append(_distance(q))
            continue
        options = [Choice(o.value, o.label) for o in q.options]
        if q.type == QuestionType.scale:
            options = [Choice(str(n), str(n)) for n in range(int(q.min or 1), int(q.max or 5) + 1)]
        out.append(
            Field(
                key=q.id,
                label=q.text,
                kind=kinds[q.type],
                help=q.help,
                suffix=q.unit,
                required=q.required,
                options=options,
                min=q.min,
                max=q.max,
                max_length=q.max_length,
                value=[] if q.type == QuestionType.multi_choice else "",
            )
        )
    return out


def _distance(q: Any) -> Field:
    label = re.sub(r"^How many kilometres", "How far", q.text)
    help = f"{q.help} In kilometres or miles." if q.help else "In kilometres or miles."
    return Field(
        key=q.id, label=label, kind="measure", help=help, required=q.required, min=q.min, max=q.max,
        units=_choices([("km", "km"), ("mi", "miles")]), unit="km",
    )  # fmt: skip


_EQUIPMENT = {
    "dumbbells": "Dumbbells",
    "barbell": "Barbell",
    "squat_rack": "Squat rack",
    "bench": "Bench",
    "kettlebell": "Kettlebell",
    "pull_up_bar": "Pull-up bar",
    "resistance_bands": "Resistance bands",
    "cable_machine": "Cable machine",
    "treadmill": "Treadmill",
    "stationary_bike": "Stationary bike",
    "rower": "Rowing machine",
    "jump_rope": "Jump rope",
}
_INJURIES = {
    "knee": "Knee",
    "lower_back": "Lower back",
    "shoulder": "Shoulder",
    "wrist": "Wrist",
    "ankle": "Ankle",
    "hip": "Hip",
    "neck": "Neck",
    "elbow": "Elbow",
}
_GOALS = {
    "strength": "Get stronger",
    "muscle": "Build muscle",
    "fat_loss": "Lose fat",
    "endurance": "Build endurance",
    "general": "General fitness",
}
_EXPERIENCE = {
    "beginner": "Beginner: new to training, or returning after a long break",
    "intermediate": "Intermediate: training regularly for some months",
    "advanced": "Advanced: years of structured training",
}
_DAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def schema_bounds(name: str) -> dict[str, float | int | None]:
    """The min, max and max_length that PersonalInfo (the one schema) sets on `name`."""
    bounds: dict[str, float | int | None] = {"min": None, "max": None, "max_length": None}
    for constraint in PersonalInfo.model_fields[name].metadata:
        if isinstance(constraint, annotated_types.Ge):
            bounds["min"] = constraint.ge
        elif isinstance(constraint, annotated_types.Le):
            bounds["max"] = constraint.le
        elif isinstance(constraint, annotated_types.MaxLen):
            bounds["max_length"] = constraint.max_length
        elif max_length := getattr(constraint, "max_length", None):  # StringConstraints
            bounds["max_length"] = max_length
    return bounds


def _number(key: str, label: str, suffix: str, group: str, help: str = "") -> Field:
    bounds = schema_bounds(key)
    low, high = bounds["min"], bounds["max"]
    text = f"From {low:g} to {high:g} {suffix}." + (f" {help}" if help else "")
    return Field(key, label, "number", suffix=suffix, min=low, max=high, help=text, group=group)


def _radio(key: str, label: str, pairs: list[tuple[str, str]], group: str) -> Field:
    return Field(key, label, "radio", options=_choices(pairs), group=group)


def _checkboxes(key: str, label: str, pairs: list[tuple[str, str]], group: str, **extra: Any) -> Field:
    return Field(key, label, "checkboxes", value=[], options=_choices(pairs), group=group, **extra)


def _measure(
    key: str, label: str, units: list[str], *, labels: dict | None = None, text: bool = False, help: str = ""
) -> Field:
    """A value with its unit. `text`: typed as text (a height in feet and inches has a ' and a ")."""
    names = [(u, (labels or {}).get(u, u)) for u in units]
    return Field(
        key, label, "measure", units=_choices(names), unit=units[0], group=_ABOUT, help=help or None,
        typed_as_text=text,
    )  # fmt: skip


_ABOUT, _SCHEDULE, _HEALTH = "About you", "Your schedule", "Equipment and health"
_SEXES = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("prefer_not_to_say", "Prefer not to say"),
]


def personal_fields() -> list[Field]:
    """The personal-info form; numeric bounds and lengths come from PersonalInfo."""
    notes_length = schema_bounds("notes")["max_length"]
    return [
        _number("age", "Age", "years", _ABOUT),
        _radio("sex", "Sex", _SEXES, _ABOUT),
        _measure("height", "Height", ["cm", "in"], labels={"in": "ft / in"}, text=True,
                 help="In cm, or in feet and inches like 5'6\" (or total inches, like 66)."),
        _measure("weight", "Weight", ["kg", "lb"]),
        _radio("experience_level", "Training experience", [(e.value, _EXPERIENCE[e.value]) for e in Experience], _ABOUT),
        _radio("goal", "Main goal", [(g.value, _GOALS[g.value]) for g in Goal], _ABOUT),
        _number("days_per_week", "Training sessions per week", "sessions", _SCHEDULE, "At least one day stays for rest."),
        _checkboxes(
            "available_days", "Days you can train", [(d.value, _DAYS[d.value]) for d in WEEKDAYS], _SCHEDULE,
            help="Pick at least as many days as sessions.",
        ),
        _number("minutes_per_session", "Minutes per session", "minutes", _SCHEDULE),
        _checkboxes(
            "equipment", "Equipment you can use", [(e.value, _EQUIPMENT[e.value]) for e in Equipment], _HEALTH,
            required=False, help="Bodyweight exercises are always included.",
        ),
        _checkboxes(
            "injuries", "Injuries or pain to work around", [(i.value, _INJURIES[i.value]) for i in Injury], _HEALTH,
            required=False,
        ),
        Field(
            "notes", "Anything else your coach should know?", "textarea", required=False,
            max_length=notes_length, help=f"Optional, up to {notes_length} characters.", group=_HEALTH,
        ),
    ]  # fmt: skip


def fields_for(step: str) -> list[Field]:
    return question_fields() if step == "questions" else personal_fields()
