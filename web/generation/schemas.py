"""What the API says about jobs."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import BaseModel

from web.plans.schemas import PlanOut
from web.tables import GenerationJob


class JobError(BaseModel):
    code: str
    message: str
    retryable: bool


class JobOut(BaseModel):
    id: UUID
    kind: str
    status: str
    stage: str
    stage_text: str
    percent: int
    attempts: int
    error: JobError | None
    coach: str | None
    plan_id: UUID | None
    tokens: dict[str, int]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    status_url: str
    events_url: str
    cancel_url: str


class GenerationOut(BaseModel):
    """The answer to a generate request: a job to follow (202) or the plan that already exists (200)."""

    status: str
    job: JobOut | None
    plan: PlanOut | None


def job_out(job: GenerationJob, plan_id: UUID | None = None) -> JobOut:
    base = f"/api/v1/generations/{job.id}"
    error = None
    if job.error_code and job.status in ("failed", "cancelled"):
        error = JobError(code=job.error_code, message=job.error_message or "", retryable=bool(job.retryable))
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        stage=job.stage,
        stage_text=job.stage_text,
        percent=job.percent,
        attempts=job.attempts,
        error=error,
        coach=job.coach,
        plan_id=plan_id,
        tokens={"prompt": job.prompt_tokens or 0, "completion": job.completion_tokens or 0},
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        status_url=base,
        events_url=f"{base}/events",
        cancel_url=f"{base}/cancel",
    )
