"""The onboarding form's fields: what the templates draw for each question and each piece of personal info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web.domain.enums import WEEKDAYS, Equipment, Experience, Goal, Injury
from web.onboarding.questions import QUESTIONS, QuestionType


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
    kinds = {
        QuestionType.number: "number",
        QuestionType.scale: "scale",
        QuestionType.single_choice: "radio",
        QuestionType.multi_choice: "checkboxes",
        QuestionType.free_text: "textarea",
    }
    out = []
    for q in QUESTIONS:
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


def personal_fields() -> list[Field]:
    return [
        Field("age", "Age", "number", suffix="years", min=13, max=100, group="About you"),
        Field(
            "sex",
            "Sex",
            "radio",
            options=_choices(
                [
                    ("female", "Female"),
                    ("male", "Male"),
                    ("other", "Other"),
                    ("prefer_not_to_say", "Prefer not to say"),
                ]
            ),
            group="About you",
        ),
        Field(
            "height",
            "Height",
            "measure",
            units=_choices([("cm", "cm"), ("in", "in")]),
            unit="cm",
            group="About you",
        ),
        Field(
            "weight",
            "Weight",
            "measure",
            units=_choices([("kg", "kg"), ("lb", "lb")]),
            unit="kg",
            group="About you",
        ),
        Field(
            "experience_level",
            "Training experience",
            "radio",
            options=_choices([(e.value, _EXPERIENCE[e.value]) for e in Experience]),
            group="About you",
        ),
        Field(
            "goal",
            "Main goal",
            "radio",
            options=_choices([(g.value, _GOALS[g.value]) for g in Goal]),
            group="About you",
        ),
        Field(
            "days_per_week",
            "Training sessions per week",
            "number",
            min=1,
            max=6,
            suffix="sessions",
            help="From 1 to 6: at least one day stays for rest.",
            group="Your schedule",
        ),
        Field(
            "available_days",
            "Days you can train",
            "checkboxes",
            value=[],
            options=_choices([(d.value, _DAYS[d.value]) for d in WEEKDAYS]),
            help="Pick at least as many days as sessions.",
            group="Your schedule",
        ),
        Field(
            "minutes_per_session",
            "Minutes per session",
            "number",
            min=20,
            max=180,
            suffix="minutes",
            help="From 20 to 180 minutes.",
            group="Your schedule",
        ),
        Field(
            "equipment",
            "Equipment you can use",
            "checkboxes",
            value=[],
            required=False,
            options=_choices([(e.value, _EQUIPMENT[e.value]) for e in Equipment]),
            help="Bodyweight exercises are always included.",
            group="Equipment and health",
        ),
        Field(
            "injuries",
            "Injuries or pain to work around",
            "checkboxes",
            value=[],
            required=False,
            options=_choices([(i.value, _INJURIES[i.value]) for i in Injury]),
            group="Equipment and health",
        ),
        Field(
            "notes",
            "Anything else your coach should know?",
            "textarea",
            required=False,
            max_length=1000,
            help="Optional, up to 1000 characters.",
            group="Equipment and health",
        ),
    ]


def fields_for(step: str) -> list[Field]:
    return question_fields() if step == "questions" else personal_fields()
