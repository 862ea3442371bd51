"""What both faces (the JSON API and the pages) do with generations, with this process's pieces: each
handler parses, makes one of these calls, and renders."""

from __future__ import annotations

import uuid
from typing import Any

from web.analytics import record
from web.generation.services import Submission, cancel_job, submit_generation
from web.onboarding.schemas import GenerateRequest
from web.tables import GenerationJob, Plan, User


async def submit(
    services: Any,
    user: User,
    request: GenerateRequest,
    *,
    idempotency_key: str | None,
    request_id: str | None,
) -> Submission:
    """Submit a generation; a new job wakes this process's runner at once (others hear the notifier)."""
    submission = await submit_generation(
        user,
        request,
        idempotency_key=idempotency_key,
        settings=services.settings,
        notifier=services.notifier,
        limits=services.limits,
        request_id=request_id,
        embedder=getattr(services.coach, "embed", None),  # the OpenAI coach's: notes matched by meaning
    )
    if submission.created and services.runner is not None:
        services.runner.wake()
    await record("generate_pressed", user.id, created=submission.created)
    return submission


async def cancel(services: Any, user: User, job_id: uuid.UUID) -> GenerationJob:
    """Cancel a job: a queued one at once; a running one here is told to stop now (elsewhere, its runner
    sees the request at its next step)."""
    job = await cancel_job(user, job_id, services.notifier)
    if services.runner is not None and job.status == "running":
        services.runner.request_cancel(job.id)
    return job


async def job_plan_id(job: GenerationJob) -> uuid.UUID | None:
    """The plan a succeeded job saved."""
    if job.status != "succeeded":
        return None
    row = await Plan.select(Plan.id).where(Plan.job == job.id).first()
    return row["id"] if row else None
