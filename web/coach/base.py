"""The seam between the generation pipeline and whoever writes the plan.

The pipeline depends on the `Coach` protocol only; it never imports openai.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from web.plans.schemas import PlannedWeek, PlanOutline, Weekday

T = TypeVar("T")


class Goal(StrEnum):
    strength = "strength"
    muscle = "muscle"
    fat_loss = "fat_loss"
    endurance = "endurance"
    general = "general"


class Experience(StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class Equipment(StrEnum):
    dumbbells = "dumbbells"
    barbell = "barbell"
    squat_rack = "squat_rack"
    bench = "bench"
    kettlebell = "kettlebell"
    pull_up_bar = "pull_up_bar"
    resistance_bands = "resistance_bands"
    cable_machine = "cable_machine"
    treadmill = "treadmill"
    stationary_bike = "stationary_bike"
    rower = "rower"
    jump_rope = "jump_rope"


class Injury(StrEnum):
    knee = "knee"
    lower_back = "lower_back"
    shoulder = "shoulder"
    wrist = "wrist"
    ankle = "ankle"
    hip = "hip"
    neck = "neck"
    elbow = "elbow"


class Activity(StrEnum):
    strength = "strength"
    running = "running"
    conditioning = "conditioning"
    mobility = "mobility"


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


class PlaybookCategory(StrEnum):
    limits = "limits"
    preferences = "preferences"
    schedule = "schedule"
    motivation = "motivation"


class PlaybookNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: PlaybookCategory
    text: str = Field(max_length=300)


class PlaybookNotes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notes: list[PlaybookNote] = Field(max_length=20)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Generated(Generic[T]):
    value: T
    usage: Usage = field(default_factory=Usage)


class CoachErrorCode(StrEnum):
    rate_limited = "llm_rate_limited"
    unavailable = "llm_unavailable"
    timeout = "llm_timeout"
    refused = "llm_refused"
    truncated = "llm_truncated"
    malformed = "llm_malformed"
    prompt_too_large = "prompt_too_large"


class CoachError(Exception):
    """A coach could not produce the requested part. `detail` is for the server log only."""

    def __init__(self, code: CoachErrorCode, detail: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.retryable = retryable


class Coach(Protocol):
    name: str  # "openai" or "offline", recorded on the job and the plan

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]: ...

    async def week(
        self, brief: TrainingBrief, outline: PlanOutline, number: int, previous: PlannedWeek | None
    ) -> Generated[PlannedWeek]: ...

    async def repair_week(
        self, brief: TrainingBrief, outline: PlanOutline, week: PlannedWeek, violations: list[str]
    ) -> Generated[PlannedWeek]: ...

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]: ...
