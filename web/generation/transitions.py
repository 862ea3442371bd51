"""A running job's heartbeat and its moves out of `running` (back to the queue, cancelled, failed). Each
is a conditional UPDATE: it happens only when the job is still where the caller believes it is (its
status, and its claim's token or an expired lease), with its event in the same transaction. Each says
whether it happened, so a move that lost a race does nothing more; terminal states are final."""

from __future__ import annotations

import datetime as dt
from typing import Any

from web.analytics import write_event
from web.clock import now
from web.db import write_transaction
from web.generation.failures import failure_for
from web.generation.progress import append_event, event_payload, fenced
from web.generation.services import cancelled_values
from web.tables import GenerationJob


async def renew_lease(job_id: Any, holder: str, claims: int, seconds: float) -> list[dict[str, Any]]:
    """The heartbeat: the lease runs `seconds` more, if the job is still this claim's and running. Returns
    [{"cancel_requested": ...}], or [] when the job is no longer ours."""
    return (
        await GenerationJob.update({GenerationJob.lease_expires_at: now() + dt.timedelta(seconds=seconds)})
        .where(
            (GenerationJob.id == job_id)
            & (GenerationJob.lease_owner == holder)
            & (GenerationJob.status == "running")
            & (GenerationJob.claims == claims)
        )
        .returning(GenerationJob.cancel_requested)
    )


async def hand_back(
    job: GenerationJob, text: str, *, refund_attempt: bool = False, only_if_lease_expired: bool = False
) -> bool:
    """Back to the queue, to be resumed from its checkpoint (a shutdown refunds the attempt; the claim's
    token is never refunded)."""
    at = now()
    where = (
        (GenerationJob.id == job.id)
        & (GenerationJob.status == "running")
        & (GenerationJob.lease_owner == job.lease_owner)
        & (GenerationJob.claims == job.claims)
    )
    if only_if_lease_expired:  # a heartbeat between the reaper's read and this write keeps the job
        where &= GenerationJob.lease_expires_at < at
    async with write_transaction():
        values: dict[Any, Any] = {
            GenerationJob.status: "queued",
            GenerationJob.lease_owner: None,
            GenerationJob.lease_expires_at: None,
            GenerationJob.stage: "queued",
            GenerationJob.stage_text: text,
            GenerationJob.updated_at: at,
        }
        if refund_attempt:
            values[GenerationJob.attempts] = GenerationJob.attempts - 1
        moved = await GenerationJob.update(values).where(where).returning(GenerationJob.id)
        if moved:
            job.status, job.stage, job.stage_text = "queued", "queued", text
            await append_event(job.id, "stage", event_payload(job), at)
    return bool(moved)


async def end_cancelled(job: GenerationJob) -> bool:
    """Cancelled, by the claim that holds it (the person asked while it ran)."""
    at = now()
    async with write_transaction():
        ended = (
            await GenerationJob.update(cancelled_values(at)).where(fenced(job)).returning(GenerationJob.id)
        )
        if not ended:  # saved, failed or taken over meanwhile: a terminal state is final
            return False
        job.status, job.stage, job.stage_text = "cancelled", "cancelled", "Cancelled"
        await append_event(job.id, "cancelled", event_payload(job), at)
    return True


async def end_failed(
    job: GenerationJob,
    code: str,
    *,
    holder: str,
    only_if_lease_expired: bool = False,
    only_if_status: str = "running",
) -> bool:
    """Failed with `code` (its message and retryable flag from web/generation/failures.py): by the claim
    that holds it (`holder`, the runner's id), by the reaper once its lease expired, or while queued."""
    failure = failure_for(code)
    at = now()
    where = (GenerationJob.id == job.id) & (GenerationJob.status == only_if_status)
    if only_if_lease_expired:
        where &= GenerationJob.lease_expires_at < at
    elif only_if_status == "running":  # fenced: only the attempt that holds the job fails it
        where &= (GenerationJob.lease_owner == holder) & (GenerationJob.claims == job.claims)
    async with write_transaction():
        failed = (
            await GenerationJob.update(
                {
                    GenerationJob.status: "failed",
                    GenerationJob.stage: "failed",
                    GenerationJob.stage_text: "Generation failed",
                    GenerationJob.error_code: code,
                    GenerationJob.error_message: failure.message,
                    GenerationJob.retryable: failure.retryable,
                    GenerationJob.active_slot: None,
                    GenerationJob.lease_owner: None,
                    GenerationJob.lease_expires_at: None,
                    GenerationJob.finished_at: at,
                    GenerationJob.updated_at: at,
                }
            )
            .where(where)
            .returning(GenerationJob.id)
        )
        if failed:
            job.status, job.stage, job.stage_text = "failed", "failed", "Generation failed"
            error = {"code": code, "message": failure.message, "retryable": failure.retryable}
            await append_event(job.id, "failed", event_payload(job, error=error), at)
            await write_event("plan_generation_failed", job.user, job_id=job.id, at=at, code=code)
    return bool(failed)
