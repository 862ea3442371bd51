"""The structure of a training plan, shared by both coaches, the rules and the API.

These models double as the LLM's structured-output schema, so every field is
required (nullable where optional) and described for the model.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from web.domain.enums import SessionKind, Weekday
from web.domain.skeleton import Skeleton


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlannedExercise(_Strict):
    exercise_id: str = Field(description="An id from the exercise catalogue given in the prompt")
    name: str = Field(max_length=120)
    sets: int = Field(ge=1, le=10)
    reps: str | None = Field(description='Reps per set, e.g. "8-10"; null for timed work', max_length=20)
    duration_seconds: int | None = Field(description="Work per set in seconds for timed work", ge=0, le=10800)
    distance_km: float | None = Field(description="Distance for runs, else null", ge=0, le=60)
    rest_seconds: int = Field(ge=0, le=600)
    intensity: str = Field(description='e.g. "RPE 7", "easy conversational pace"', max_length=60)
    notes: str = Field(max_length=300)


class PlannedSession(_Strict):
    day: Weekday
    title: str = Field(max_length=80)
    kind: SessionKind
    duration_minutes: int = Field(ge=5, le=240)
    exercises: list[PlannedExercise] = Field(min_length=1, max_length=16)


class PlannedWeek(_Strict):
    number: int = Field(ge=1, le=52)
    theme: str = Field(max_length=80)
    is_deload: bool
    sessions: list[PlannedSession] = Field(max_length=7)
    notes: str = Field(max_length=500)


class WeekOutline(_Strict):
    number: int = Field(ge=1, le=52)
    theme: str = Field(max_length=80)
    is_deload: bool
    # No `focus` of its own: each week's focus is the skeleton's (web/domain/skeleton.py), given to the
    # week prompt with its targets, so the model does not spend tokens restating it.


class BlockOutline(_Strict):
    number: int = Field(ge=1, le=13, description="The block number given in the prompt")
    exercises: list[str] = Field(
        max_length=14,
        description="Catalogue ids of the block's strength work: main lifts first, then accessories",
    )
    why: str = Field(max_length=200, description="Why these exercises for this block, in one sentence")


class PlanOutline(_Strict):
    title: str = Field(max_length=100)
    summary: str = Field(max_length=600)
    weeks: list[WeekOutline] = Field(min_length=1, max_length=52)
    blocks: list[BlockOutline] = Field(max_length=13, description="One entry per block of the plan")

    @model_validator(mode="before")
    @classmethod
    def _older_outlines(cls, data: Any) -> Any:
        """Outlines checkpointed or cached by earlier versions: no blocks (their weeks choose freely), and
        a `focus` on each week (now the skeleton's)."""
        if not isinstance(data, dict):
            return data
        weeks = [
            {k: v for k, v in w.items() if k != "focus"} if isinstance(w, dict) else w
            for w in data.get("weeks", [])
        ]
        return {"blocks": [], **data, "weeks": weeks}

    def block(self, number: int) -> BlockOutline | None:
        return next((b for b in self.blocks if b.number == number), None)


class Constraint(BaseModel):
    code: str  # days | minutes | equipment | injury:<name> | running | deloads
    status: str  # respected | adapted (a constraint the plan met by changing something, said in text)
    text: str
    details: list[str] = []


class WeekLoad(BaseModel):
    number: int
    hard_sets: int
    running_km: float
    is_deload: bool


class Adaptation(BaseModel):
    """What a changed version changed of the one before it, and why (web/domain/adapt.py)."""

    kind: str  # adjust | redo_week | swap
    from_version: int
    weeks: list[int]  # the weeks written anew (or changed, for a swap)
    changes: list[str]  # what changed and why, in sentences


class PlanContent(_Strict):
    """A whole plan: what is saved and shown."""

    title: str
    summary: str
    weeks: list[PlannedWeek]
    guidance: list[str] = Field(default_factory=list)
    # The per-week targets the weeks were written against (None for plans made before them).
    skeleton: Skeleton | None = None
    # Weeks of an LLM plan that the offline coach wrote because the LLM's answer for them failed.
    fallback_weeks: list[int] = Field(default_factory=list)
    # How the person's own words shaped the plan ("Half marathon on 12 April: taper in weeks 11-12"),
    # and what no rule understood (shown back; the LLM coach was given it).
    from_your_words: list[str] = Field(default_factory=list)
    not_understood: list[str] = Field(default_factory=list)
    # Why this plan: each hard constraint and how the plan respects it (web/domain/explain.py).
    constraints: list[Constraint] = Field(default_factory=list)
    # Set on a version made by changing the one before it: adjusting, redoing a week, swapping.
    adaptation: Adaptation | None = None
