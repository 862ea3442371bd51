"""The seam between the generation pipeline and whoever writes the plan.

The pipeline depends on the `Coach` protocol only; it never imports openai.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from web.domain.brief import TrainingBrief
from web.domain.plan import PlannedWeek, PlanOutline

T = TypeVar("T")


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
