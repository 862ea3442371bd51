"""Submitting, reading, cancelling and finishing generation jobs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from web.analytics import write_event
from web.clock import now, today_in
from web.db import is_unique_violation, with_retries, write_transaction
from web.domain.adapt import ADAPT_KINDS
from web.domain.brief import TrainingBrief
from web.errors import Conflict, NotFound
from web.generation.idempotency import insert_key, remember_key, replay
from web.generation.progress import TERMINAL_STATUSES, Notifier, append_event, event_payload
from web.onboarding.formatter import build_brief
from web.onboarding.schemas import GenerateRequest
from web.playbook.services import match_context
from web.tables import GenerationJob, Plan, User, UserProfile

log = logging.getLogger("web.generation")


@dataclass(frozen=True)
class Submission:
    """What a generate request led to: a job (new or already running) or an existing finished plan."""

    job: GenerationJob | None
    plan: Plan | None
    created: bool
    replayed: bool = False


def request_hash(request: GenerateRequest) -> str:
    canonical = json.dumps(request.fingerprint(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def own_profile(user: User, profile_id: uuid.UUID) -> UserProfile:
    profile = (
        await UserProfile.objects()
        .where((UserProfile.id == profile_id) & (UserProfile.user == user.id))
        .first()
    )
    if profile is None:  # someone else's profile looks exactly like a missing one
        raise NotFound("No profile with this id belongs to your account.", code="profile_not_found")
    return profile


async def own_job(user: User, job_id: uuid.UUID) -> GenerationJob:
    job = (
        await GenerationJob.objects()
        .where((GenerationJob.id == job_id) & (GenerationJob.user == user.id))
        .output(load_json=True)
        .first()
    )
    if job is None:
        raise NotFound("No generation with this id belongs to your account.", code="generation_not_found")
    return job


async def get_job(job_id: uuid.UUID) -> GenerationJob | None:
    return await GenerationJob.objects().where(GenerationJob.id == job_id).output(load_json=True).first()


async def submit_generation(
    user: User,
    request: GenerateRequest,
    *,
    idempotency_key: str | None,
    settings: Any,
    notifier: Notifier,
    limits: Any = None,
    request_id: str | None = None,
    embedder: Any = None,
) -> Submission:
    profile = await own_profile(user, request.user_profile_id)
    digest = request_hash(request)
    if idempotency_key:
        earlier = await _replayed_job(user, idempotency_key, digest)
        if earlier:
            log.info("idempotent replay", extra={"job_id": str(earlier.id)})
            return Submission(job=earlier, plan=None, created=False, replayed=True)
    existing = await _existing(profile, request)
    if existing is not None:
        if existing.job is not None:
            await remember_key(user, idempotency_key, digest, existing.job, settings)
        return existing
    if limits is not None:
        await limits.check_generation(user)  # only new work counts against the caps
    try:
        outcome = await with_retries(
            lambda: _create_job(
                user, profile, request, digest, idempotency_key, settings, request_id, embedder
            ),
            what="create_job",
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Lost a race to a parallel identical request: the database decided, so follow its answer.
        winner = (idempotency_key and await _replayed_job(user, idempotency_key, digest)) or await active_job(
            profile
        )
        if winner is None:
            raise Conflict(
                "Another generation just finished for this profile. Fetch your current plan."
            ) from None
        log.info("concurrent submit joined the existing job", extra={"job_id": str(winner.id)})
        return Submission(job=winner, plan=None, created=False, replayed=bool(idempotency_key))
    if outcome.created:
        await notifier.notify(outcome.job.id)
        log.info("generation queued", extra={"job_id": str(outcome.job.id), "kind": outcome.job.kind})
    elif outcome.job is not None:
        await remember_key(user, idempotency_key, digest, outcome.job, settings)
    return outcome


async def _existing(profile: UserProfile, request: GenerateRequest) -> Submission | None:
    """The running job, or the complete plan (unless regenerating), that makes a new job unnecessary.

    The running job is looked at first: a job clears its slot in the same transaction that saves its
    plan, so in this order a request racing a finishing job always sees one or the other."""
    running = await active_job(profile)
    if running is not None and running.kind in ADAPT_KINDS:  # not this request's job: say so
        raise Conflict(
            "Your plan is being changed right now: wait for that to finish, then make a new plan.",
            code="generation_in_progress",
        )
    if running is not None:
        log.info("generation already running; returning it", extra={"job_id": str(running.id)})
        return Submission(job=running, plan=None, created=False)
    if not request.regenerate:
        plan = await _complete_active_plan(profile)
        if plan is not None:
            log.info("plan exists; not generating again", extra={"plan_id": str(plan.id)})
            return Submission(job=None, plan=plan, created=False)
    return None


async def _replayed_job(user: User, key: str, digest: str) -> GenerationJob | None:
    job_id = await replay(user, key, digest)
    return await get_job(job_id) if job_id is not None else None


async def _complete_active_plan(profile: UserProfile) -> Plan | None:
    # Read the pointer afresh: a job may have saved a plan since this request loaded the profile.
    row = await UserProfile.select(UserProfile.active_plan_id).where(UserProfile.id == profile.id).first()
    if row is None or row["active_plan_id"] is None:
        return None
    plan = await Plan.objects().where(Plan.id == row["active_plan_id"]).output(load_json=True).first()
    # A plan that is not complete is never handed out as done: it gets generated again.
    return plan if plan is not None and plan.is_complete else None


async def active_job(profile: UserProfile) -> GenerationJob | None:
    """The profile's queued or running job, if any."""
    return (
        await GenerationJob.objects()
        .where(GenerationJob.active_slot == str(profile.id))
        .output(load_json=True)
        .first()
    )


async def _profile_zone(profile_id) -> str | None:
    row = await UserProfile.select(UserProfile.time_zone).where(UserProfile.id == profile_id).first()
    return row["time_zone"] if row else None


async def _brief(user: User, request: GenerateRequest, settings: Any, embedder: Any = None) -> TrainingBrief:
    zone = request.time_zone or await _profile_zone(request.user_profile_id)
    brief = build_brief(request.personal_info, request.initial_responses, today=today_in(zone))
    if request.start_date is not None:
        brief = brief.model_copy(update={"start_date": request.start_date})
    if not settings.playbook_context_matching_enabled:
        return brief
    # Earlier playbook notes that bear on this brief go to the coach beside the person's own words,
    # inside the same data block (never as instructions).
    notes = await match_context(user, brief, embedder)
    return brief.model_copy(
        update={"free_text": [*brief.free_text, *(f"Earlier coaching note: {n}" for n in notes)]}
    )


def new_job(
    user, profile_id, kind: str, priority: int, request: dict, digest: str, brief, settings, request_id
):
    """A queued job's row (not yet saved), holding its profile's one active slot."""
    created = now()
    return GenerationJob(
        id=uuid.uuid4(),
        user=user.id,
        profile=profile_id,
        kind=kind,
        priority=priority,
        status="queued",
        stage="queued",
        stage_text="Waiting to start",
        request=request,
        request_hash=digest,
        brief=brief.model_dump(mode="json"),
        checkpoint={},
        active_slot=str(profile_id),
        deadline_at=created + dt.timedelta(seconds=settings.generation_deadline_seconds),
        created_at=created,
        updated_at=created,
        request_id=request_id,
    )


async def queue_job(job: GenerationJob, user: User, key: str | None, digest: str, settings: Any) -> None:
    """Inside the caller's transaction: the job, its `queued` event, its idempotency key, analytics."""
    await job.save()
    await append_event(job.id, "queued", event_payload(job), job.created_at)
    if key:
        await insert_key(user, key, digest, job.id, settings)
    await write_event("plan_generation_started", user.id, job_id=job.id, at=job.created_at, kind=job.kind)


async def _create_job(user, profile, request, digest, key, settings, request_id, embedder) -> Submission:
    brief = await _brief(user, request, settings, embedder)
    body = request.model_dump(mode="json", exclude={"jwt_token"})
    kind, priority = ("regenerate", 0) if request.regenerate else ("initial", 10)
    job = new_job(user, profile.id, kind, priority, body, digest, brief, settings, request_id)
    async with write_transaction():
        # Writing the profile row first takes its lock (PostgreSQL) or the write lock (SQLite), which the
        # plan's save also needs: the checks below cannot miss a job that finished a moment ago.
        values = {
            UserProfile.personal_info: request.personal_info.model_dump(mode="json"),
            UserProfile.updated_at: job.created_at,
        }
        if request.time_zone:
            values[UserProfile.time_zone] = request.time_zone
        await UserProfile.update(values).where(UserProfile.id == profile.id)
        existing = await _existing(profile, request)
        if existing is not None:
            return existing
        await queue_job(job, user, key, digest, settings)
    return Submission(job=job, plan=None, created=True)


def cancelled_values(at) -> dict[Any, Any]:
    """The row of a cancelled job: terminal, its profile's slot free, its lease released."""
    return {
        GenerationJob.status: "cancelled",
        GenerationJob.stage: "cancelled",
        GenerationJob.stage_text: "Cancelled",
        GenerationJob.active_slot: None,
        GenerationJob.lease_owner: None,
        GenerationJob.lease_expires_at: None,
        GenerationJob.finished_at: at,
        GenerationJob.updated_at: at,
        GenerationJob.error_code: "cancelled",
        GenerationJob.error_message: "You cancelled this generation.",
    }


async def list_jobs(user: User, limit: int = 50) -> list[GenerationJob]:
    return (
        await GenerationJob.objects()
        .where(GenerationJob.user == user.id)
        .order_by(GenerationJob.created_at, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


async def cancel_job(user: User, job_id: uuid.UUID, notifier: Notifier) -> GenerationJob:
    job = await own_job(user, job_id)
    if job.status in TERMINAL_STATUSES:
        return job
    async with write_transaction():
        # A queued job is cancelled at once; a running one is asked to stop and its runner finishes it.
        cancelled = (
            await GenerationJob.update(cancelled_values(now()))
            .where((GenerationJob.id == job.id) & (GenerationJob.status == "queued"))
            .returning(GenerationJob.id)
        )
        if cancelled:
            job = await own_job(user, job_id)
            await append_event(job.id, "cancelled", event_payload(job), now())
        else:
            await GenerationJob.update({GenerationJob.cancel_requested: True}).where(
                GenerationJob.id == job.id
            )
    await notifier.notify(job.id)
    log.info("cancel requested", extra={"job_id": str(job.id), "was_queued": bool(cancelled)})
    return await own_job(user, job_id)
