"""The plan save: ONE transaction writes the plan version, points the profile at it, ends the job as
succeeded with its `done` event, and records the analytics event. Job bookkeeping lives here, with
generation; web/plans knows nothing of how a plan was made."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from piccolo.query.functions.aggregate import Max

from web.analytics import write_event
from web.clock import now
from web.db import write_transaction
from web.domain.plan import PlanContent
from web.generation.progress import LeaseLost, append_event, event_payload, fenced
from web.plans.log import carry_logs
from web.tables import GenerationJob, Plan, UserProfile

log = logging.getLogger("web.generation.save")


class PlanChanged(Exception):
    """The version a change was made from is no longer the active plan: the change is not applied."""


async def save_plan(job: GenerationJob, content: PlanContent, coach: str, usage: Any) -> Plan:
    """One transaction: the plan version, the profile's pointer, the job's success, its event, analytics.
    If any part fails, none of it remains. Fenced: only the attempt that holds the job saves (LeaseLost
    otherwise), and a retry after a commit whose acknowledgement was lost finds that commit."""
    at = now()
    earlier = await Plan.objects().where(Plan.job == job.id).first()
    if earlier is not None:  # this save already committed; its answer was lost on the way back
        job.status, job.stage, job.stage_text, job.percent = "succeeded", "done", "Your plan is ready", 100
        return earlier
    async with write_transaction():
        row = await Plan.select(Max(Plan.version, alias="v")).where(Plan.profile == job.profile).first()
        plan = Plan(
            id=uuid.uuid4(),
            user=job.user,
            profile=job.profile,
            job=job.id,
            version=(row["v"] or 0) + 1 if row else 1,
            title=content.title[:120],
            weeks_count=len(content.weeks),
            coach=coach,
            is_complete=True,
            content=content.model_dump(mode="json"),
            created_at=at,
        )
        adapt = (job.request or {}).get("adapt") if content.adaptation is not None else None
        if adapt is not None:  # a change applies to the version it was made from, if that is still in use
            active = (
                await UserProfile.select(UserProfile.active_plan_id)
                .where(UserProfile.id == job.profile)
                .first()
            )
            if not active or str(active["active_plan_id"]) != adapt["plan_id"]:
                raise PlanChanged(f"job {job.id}: the active plan is no longer {adapt['plan_id']}")
        await plan.save()
        if adapt is not None:
            kept_all = content.adaptation.kind == "swap"  # a swap's weeks keep their sessions
            await carry_logs(
                uuid.UUID(adapt["plan_id"]), plan.id, () if kept_all else content.adaptation.weeks
            )
        await UserProfile.update({UserProfile.active_plan_id: plan.id, UserProfile.updated_at: at}).where(
            UserProfile.id == job.profile
        )
        owned = (
            await GenerationJob.update(
                {
                    GenerationJob.status: "succeeded",
                    GenerationJob.stage: "done",
                    GenerationJob.stage_text: "Your plan is ready",
                    GenerationJob.percent: 100,
                    GenerationJob.active_slot: None,
                    GenerationJob.lease_owner: None,
                    GenerationJob.lease_expires_at: None,
                    GenerationJob.finished_at: at,
                    GenerationJob.updated_at: at,
                    GenerationJob.coach: coach,
                    GenerationJob.prompt_tokens: usage.prompt_tokens,
                    GenerationJob.completion_tokens: usage.completion_tokens,
                    GenerationJob.error_code: None,
                    GenerationJob.error_message: None,
                    GenerationJob.retryable: False,
                }
            )
            .where(fenced(job))
            .returning(GenerationJob.id)
        )
        if not owned:  # another attempt holds the job, or it ended: undo the plan with the rest
            raise LeaseLost(f"job {job.id} attempt {job.attempts}")
        job.status, job.stage, job.stage_text, job.percent = "succeeded", "done", "Your plan is ready", 100
        await append_event(job.id, "done", event_payload(job, plan_id=str(plan.id), coach=coach), at)
        await write_event(
            "plan_generation_succeeded",
            job.user,
            job_id=job.id,
            at=at,
            coach=coach,
            weeks=len(content.weeks),
            version=plan.version,
        )
    return plan
