"""The versioned onboarding question set. Changing a question means a new version."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

QUESTION_SET_VERSION = "2026-11"


class QuestionType(StrEnum):
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    scale = "scale"
    number = "number"
    free_text = "free_text"


class Option(BaseModel):
    value: str
    label: str


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    help: str | None = None
    type: QuestionType
    required: bool = True
    options: list[Option] = []
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    max_length: int | None = None


def _options(*pairs: tuple[str, str]) -> list[Option]:
    return [Option(value=v, label=label) for v, label in pairs]


QUESTIONS: tuple[Question, ...] = (
    Question(
        id="plan_weeks",
        text="How many weeks should your plan cover?",
        help="Between 4 and 16 weeks. Longer plans include lighter recovery weeks.",
        type=QuestionType.number,
        min=4,
        max=16,
        unit="weeks",
    ),
    Question(
        id="activities",
        text="Which kinds of training do you want in your plan?",
        type=QuestionType.multi_choice,
        options=_options(
            ("strength", "Strength training"),
            ("running", "Running"),
            ("conditioning", "Conditioning (bike, rower, circuits)"),
            ("mobility", "Mobility and stretching"),
        ),
    ),
    Question(
        id="weekly_running_km",
        text="How many kilometres do you run in a typical week right now?",
        help="Enter 0 if you don't run.",
        type=QuestionType.number,
        min=0,
        max=200,
        unit="km",
    ),
    Question(
        id="motivation",
        text="How motivated do you feel to start, from 1 (not yet) to 5 (can't wait)?",
        type=QuestionType.scale,
        min=1,
        max=5,
    ),
    Question(
        id="barriers",
        text="What usually gets in the way of training?",
        type=QuestionType.multi_choice,
        required=False,
        options=_options(
            ("time", "Lack of time"),
            ("energy", "Low energy"),
            ("motivation", "Motivation"),
            ("pain", "Pain or injury"),
            ("knowledge", "Not sure what to do"),
        ),
    ),
    Question(
        id="goal_details",
        text="In your own words: what would you like to achieve?",
        help="Optional. For example: run a 10 km race in May, or carry my kids without back pain.",
        type=QuestionType.free_text,
        required=False,
        max_length=1000,
    ),
)

QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
