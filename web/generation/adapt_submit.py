"""Queueing a change of a plan as a job (web/generation/adapt.py decides it): idempotent like a generate
request, one active job per profile, and a refusal from the domain answered as 409 in its own words."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from web.db import is_unique_violation, with_retries, write_transaction
from web.domain.adapt import AdaptRefused
from web.domain.brief import TrainingBrief
from web.errors import Conflict
from web.generation.adapt import AdaptSpec
from web.generation.idempotency import remember_key, replay
from web.generation.services import Submission, get_job, new_job, queue_job
from web.tables import GenerationJob, Plan, User

log = logging.getLogger("web.generation.adapt")
ADAPT_PRIORITY = 5  # after first plans, before regenerations


@contextmanager
def refusals() -> Iterator[None]:
    """A change the domain refuses (nothing to adjust, a week that is over...) answers 409 with its words."""
    try:
        yield
    except AdaptRefused as exc:
        raise Conflict(exc.message, code=exc.code) from None


async def submit_adaptation(
    services: Any,
    user: User,
    plan: Plan,
    decide: Callable[[], Awaitable[tuple[TrainingBrief, AdaptSpec]]],
    *,
    asked: dict[str, Any],
    key: str | None,
    request_id: str | None,
) -> Submission:
    """Queue the change `decide` makes as a job, or return the job this same request (`asked`: its kind,
    place and body) already made: a retry with its Idempotency-Key, or the same change still running."""
    digest = hashlib.sha256(json.dumps({"plan": str(plan.id), **asked}, sort_keys=True).encode()).hexdigest()
    if key and (job_id := await replay(user, key, digest)) is not None:
        return Submission(job=await get_job(job_id), plan=None, created=False, replayed=True)
    with refusals():
        brief, spec = await decide()
    running = await _running(plan, digest)
    if running is not None:
        await remember_key(user, key, digest, running, services.settings)
        return Submission(job=running, plan=None, created=False)
    if spec.kind != "swap":  # a swap costs no LLM call: it does not count against the generation caps
        await services.limits.check_generation(user)
    request = {"adapt": spec.model_dump(mode="json")}
    job = new_job(
        user, plan.profile, spec.kind, ADAPT_PRIORITY, request, digest, brief, services.settings, request_id
    )

    async def create() -> None:
        async with write_transaction():
            await queue_job(job, user, key, digest, services.settings)

    try:
        await with_retries(create, what="create_job")
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        running = await _running(plan, digest)  # a parallel request won the profile's slot
        if running is None:
            raise Conflict("Your plan just changed: reload it and try again.", code="plan_changed") from None
        return Submission(job=running, plan=None, created=False)
    await services.notifier.notify(job.id)
    if services.runner is not None:
        services.runner.wake()
    log.info("plan change queued", extra={"job_id": str(job.id), "kind": job.kind})
    return Submission(job=job, plan=None, created=True)


async def _running(plan: Plan, digest: str) -> GenerationJob | None:
    """This same change, already running; any other job running for the profile is a conflict."""
    running = (
        await GenerationJob.objects()
        .where(GenerationJob.active_slot == str(plan.profile))
        .output(load_json=True)
        .first()
    )
    if running is None:
        return None
    if running.request_hash != digest:
        raise Conflict(
            "Your plan is being made or changed right now: wait for that to finish, then try again.",
            code="generation_in_progress",
        )
    return running
