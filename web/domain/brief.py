"""The training brief: everything a coach needs, normalised from the onboarding answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from web.domain.enums import Activity, Equipment, Experience, Goal, Injury, Weekday


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
