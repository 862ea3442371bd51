"""Personal info and the generation request, validated with per-field errors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from web import clock
from web.domain.enums import Equipment, Experience, Goal, Injury, Weekday
from web.domain.text import CleanText, clean_text

FreeText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(clean_text)
]


class _Strict(BaseModel):
    # Unknown fields are refused: no mass assignment of ids, status or roles.
    model_config = ConfigDict(extra="forbid")


HEIGHT_CM = (100, 250)  # what a height may be, in cm whatever unit it came in
WEIGHT_KG = (30, 300)
CM_PER_IN = 2.54
KG_PER_LB = 0.45359237


class Height(_Strict):
    value: float = Field(gt=0)
    unit: Literal["cm", "in"] = "cm"

    @property
    def cm(self) -> float:
        return self.value * CM_PER_IN if self.unit == "in" else self.value

    @model_validator(mode="after")
    def _plausible(self) -> Height:
        if not HEIGHT_CM[0] <= self.cm <= HEIGHT_CM[1]:
            raise ValueError("Height must be between 100 and 250 cm (39 and 98 in).")
        return self


class Weight(_Strict):
    value: float = Field(gt=0)
    unit: Literal["kg", "lb"] = "kg"

    @property
    def kg(self) -> float:
        return self.value * KG_PER_LB if self.unit == "lb" else self.value

    @model_validator(mode="after")
    def _plausible(self) -> Weight:
        if not WEIGHT_KG[0] <= self.kg <= WEIGHT_KG[1]:
            raise ValueError("Weight must be between 30 and 300 kg (66 and 661 lb).")
        return self


class PersonalInfo(_Strict):
    age: int = Field(ge=13, le=100)
    sex: Literal["female", "male", "other", "prefer_not_to_say"]
    height: Height
    weight: Weight
    experience_level: Experience
    goal: Goal
    days_per_week: int = Field(ge=1, le=6, description="Sessions a week; at least one day stays for rest")
    available_days: list[Weekday] = Field(min_length=1, max_length=7)
    minutes_per_session: int = Field(ge=20, le=180)
    equipment: list[Equipment] = Field(default_factory=list, max_length=len(Equipment))
    injuries: list[Injury] = Field(default_factory=list, max_length=len(Injury))
    notes: FreeText = ""

    @field_validator("available_days", "equipment", "injuries")
    @classmethod
    def _no_repeats(cls, value: list) -> list:
        if len(set(value)) != len(value):
            raise ValueError("List each choice once.")
        return value

    @model_validator(mode="after")
    def _enough_days(self) -> PersonalInfo:
        if len(self.available_days) < self.days_per_week:
            raise ValueError(
                f"Choose at least {self.days_per_week} available days for {self.days_per_week} sessions a week."
            )
        return self


class QuestionRef(_Strict):
    id: CleanText = Field(min_length=1, max_length=64)
    text: CleanText | None = Field(default=None, max_length=500)


Answer = str | int | float | bool | list[str] | None


class GenerateRequest(_Strict):
    user_profile_id: UUID
    personal_info: PersonalInfo
    initial_questions: list[QuestionRef | str] = Field(min_length=1, max_length=50)
    initial_responses: dict[str, Answer] = Field(min_length=1, max_length=50)
    regenerate: bool = Field(default=False, description="Make a new plan version even if one exists")
    start_date: dt.date | None = Field(
        default=None,
        description="The plan's first day, from yesterday to 6 months ahead (default: the next Monday, or "
        "today on a Monday, where the person is)",
    )
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="The person's IANA time zone, e.g. Europe/Berlin: where their 'today' is (default UTC)",
    )
    jwt_token: str | None = Field(
        default=None, description="Legacy: the access token, when no header is sent"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not clock.is_time_zone(value):
            raise ValueError("Use an IANA time zone name, like Europe/Berlin or America/New_York.")
        return value

    @field_validator("start_date")
    @classmethod
    def _start_in_range(cls, value: dt.date | None) -> dt.date | None:
        today = clock.now().date()  # UTC: a day either side covers every time zone
        if value is not None and not today - dt.timedelta(days=1) <= value <= today + dt.timedelta(days=183):
            # its own code: a policy relative to today, which the published schema cannot state
            raise PydanticCustomError(
                "start_out_of_range", "Choose a start date from today to 6 months ahead."
            )
        return value

    @property
    def question_ids(self) -> list[str]:
        return [q if isinstance(q, str) else q.id for q in self.initial_questions]

    def fingerprint(self) -> dict[str, Any]:
        """What the idempotency hash covers: the request minus the credential."""
        return self.model_dump(mode="json", exclude={"jwt_token"})
