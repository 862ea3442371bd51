"""The training brief: everything a coach needs, normalised from the onboarding answers."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from web.domain.enums import Activity, Equipment, Experience, Goal, Injury, Weekday


class Focus(StrEnum):
    """A concrete wish read from the person's words; the coaches give it exercises."""

    floor_transfer = "floor_transfer"  # "get up from the floor"
    carrying = "carrying"  # "carry my grandson", shopping, luggage
    stairs = "stairs"
    balance = "balance"
    posture = "posture"
    pull_up = "pull_up"
    push_up = "push_up"
    grip = "grip"


class TargetEvent(BaseModel):
    """A race or event named in the person's words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["race", "event"]
    label: str = Field(max_length=80)  # "half marathon", "10 km race", "wedding", "hike"
    distance_km: float | None = Field(default=None, ge=0, le=250)
    date: dt.date | None = None
    week: int | None = Field(default=None, ge=1, le=52)  # the plan week it falls in, when known


class TrainingBrief(BaseModel):
    """Everything a coach needs, normalised from the onboarding answers and personal info."""

    model_config = ConfigDict(frozen=True)

    goal: Goal
    experience: Experience
    weeks: int = Field(ge=1, le=52)
    days: list[Weekday]  # the days the person can train, in week order
    sessions_per_week: int = Field(ge=1, le=7)  # never more than len(days)
    minutes_per_session: int = Field(ge=15, le=240)
    equipment: list[Equipment]  # bodyweight is always available
    injuries: list[Injury]
    activities: list[Activity]  # preferred kinds of training, at least one
    current_weekly_running_km: float = Field(ge=0, le=300)
    age: int
    sex: str
    height_cm: float
    weight_kg: float
    motivation: int = Field(ge=1, le=5)
    # The person's own words. Data for the coach to consider, never instructions.
    free_text: list[str] = Field(default_factory=list)
    # What web.domain.words read from those words (empty for briefs made before it existed).
    start_date: dt.date | None = None  # the plan's first day
    event: TargetEvent | None = None
    focus: list[Focus] = Field(default_factory=list)
    understood: list[str] = Field(default_factory=list)  # what was read, in sentences for the summary
    unparsed: list[str] = Field(default_factory=list)  # words no rule understood: for the LLM and shown back
    # Set by "adjust the rest of my plan" from the training log: -1 lighter (sets, effort, running), +1 a
    # little harder (effort on the main lifts), 0 as planned.
    effort: int = Field(default=0, ge=-1, le=1)

    @property
    def wants_running(self) -> bool:
        """Running belongs in the plan: asked for, an endurance goal, or a race named."""
        return (
            Activity.running in self.activities
            or self.goal is Goal.endurance
            or (self.event is not None and self.event.kind == "race")
        )
