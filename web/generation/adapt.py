"""Changing a plan in use, as a job: "adjust the rest of my plan" from the training log, redo one week
under a temporary constraint, swap one exercise. Each is decided here (what changes, and why) and queued
as a job of its own kind; the runner writes it (web/generation/adapt_run.py) through the same progress
stream, rules and atomic save as a full generation, and the result is a new plan version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from web.db import is_unique_violation, with_retries, write_transaction
from web.domain import rules
from web.domain.adapt import (
    AdaptKind,
    AdaptRefused,
    LoggedSession,
    adjusted_brief,
    alternatives,
    constrained_brief,
    swapped,
)
from web.domain.brief import TrainingBrief
from web.domain.catalogue import get_exercise
from web.domain.enums import Equipment, Weekday
from web.domain.plan import PlanContent, PlannedExercise
from web.domain.text import ClosedBody
from web.errors import Conflict, InvalidInput, NotFound
from web.generation.idempotency import remember_key, replay
from web.generation.services import Submission, get_job, new_job, queue_job
from web.plans.log import ScheduleOut, schedule
from web.tables import GenerationJob, Plan, User

log = logging.getLogger("web.generation.adapt")
ADAPT_PRIORITY = 5  # after first plans, before regenerations


class WeekRedoIn(ClosedBody):
    """A temporary constraint for one week: other days, other kit, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # at least one of the two, as a list (plan_redo says so in words)
            "anyOf": [
                {"required": ["days"], "properties": {"days": {"type": "array"}}},
                {"required": ["equipment"], "properties": {"equipment": {"type": "array"}}},
            ]
        },
    )

    days: list[Weekday] | None = Field(
        default=None, min_length=1, max_length=6, description="The days you can train that week"
    )
    equipment: list[Equipment] | None = Field(
        default=None, max_length=12, description="The kit you have that week; [] for none (bodyweight)"
    )


class SwapIn(ClosedBody):
    exercise_id: str = Field(min_length=1, max_length=60, description="One of the exercise's alternatives")


class AdaptSpec(BaseModel):
    """What a change job does, kept on the job (its `request`), so every attempt writes the same."""

    kind: AdaptKind
    plan_id: uuid.UUID
    from_version: int
    weeks: list[int]  # the weeks written anew (adjust, redo) or changed (swap)
    changes: list[str]
    days: list[Weekday] | None = None
    equipment: list[Equipment] | None = None
    swap_from: str | None = None  # catalogue ids
    swap_to: str | None = None

    def fingerprint(self) -> dict[str, Any]:
        """What makes two requests the same request (the decisions and their words follow from these)."""
        return self.model_dump(
            mode="json", include={"kind", "plan_id", "days", "equipment", "swap_from", "swap_to"}
        ) | {"weeks": self.weeks[:1] if self.kind != "adjust" else []}


@contextmanager
def refusals() -> Iterator[None]:
    """A change the domain refuses (nothing to adjust, a week that is over...) answers 409 with its words."""
    try:
        yield
    except AdaptRefused as exc:
        raise Conflict(exc.message, code=exc.code) from None


async def base_brief(plan: Plan) -> TrainingBrief:
    """The brief the plan version was written for."""
    row = None
    if plan.job is not None:
        row = (
            await GenerationJob.select(GenerationJob.brief)
            .where(GenerationJob.id == plan.job)
            .output(load_json=True)
            .first()
        )
    if not row or not row["brief"]:
        raise AdaptRefused(
            "plan_not_changeable", "This plan version cannot be changed: make a new plan instead."
        )
    return TrainingBrief.model_validate(row["brief"])


def logged(sched: ScheduleOut) -> list[LoggedSession]:
    """The sessions due so far (dated before today, or logged) as the log left them."""
    out = []
    for s in sched.sessions:
        if s.log is not None:
            out.append(LoggedSession(s.week, s.log.status, s.log.rpe, s.log.pain))
        elif s.date < sched.today:
            out.append(LoggedSession(s.week, "missed"))
    return out


async def plan_adjustment(plan: Plan) -> tuple[TrainingBrief, AdaptSpec]:
    """ "Adjust the rest of my plan": the weeks after the current one, rewritten from what the log shows."""
    brief, sched = await base_brief(plan), await schedule(plan)
    if sched.current_week >= plan.weeks_count:
        raise AdaptRefused(
            "plan_ending",
            "This is the plan's last week: there is nothing after it to adjust. Make a new plan next.",
        )
    new_brief, changes = adjusted_brief(brief, logged(sched))
    weeks = list(range(sched.current_week + 1, plan.weeks_count + 1))
    return new_brief, AdaptSpec(
        kind="adjust", plan_id=plan.id, from_version=plan.version, weeks=weeks, changes=changes
    )


async def _open_week(plan: Plan, week: int) -> None:
    if not 1 <= week <= plan.weeks_count:
        raise NotFound(f"This plan has weeks 1 to {plan.weeks_count}.", code="week_not_found")
    current = (await schedule(plan)).current_week
    if week < current:
        raise AdaptRefused("week_past", f"Week {week} is over: change week {current} or a later one.")


async def plan_redo(plan: Plan, week: int, body: WeekRedoIn) -> tuple[TrainingBrief, AdaptSpec]:
    """One week written again for other days or other kit; the rest of the plan as it is."""
    if body.days is None and body.equipment is None:
        raise InvalidInput(
            "Say what is different that week: the days you can train, the kit you have, or both.",
            code="validation_failed",
            errors=[
                {
                    "field": "days",
                    "message": "Give the days or the equipment for that week.",
                    "code": "missing",
                }
            ],
        )
    await _open_week(plan, week)
    brief, said = constrained_brief(await base_brief(plan), body.days, body.equipment)
    changes = [f"Week {week} rewritten for {' and '.join(said)}; the other weeks are unchanged."]
    spec = AdaptSpec(
        kind="redo_week",
        plan_id=plan.id,
        from_version=plan.version,
        weeks=[week],
        changes=changes,
        days=body.days,
        equipment=body.equipment,
    )
    return brief, spec


def planned_exercise(plan: Plan, week: int, session: int, exercise: int) -> tuple[PlannedExercise, list[str]]:
    """The exercise at this place in the plan, and the ids of its session's exercises."""
    content = PlanContent.model_validate(plan.content)
    weeks = {w.number: w for w in content.weeks}
    sessions = weeks[week].sessions if week in weeks else []
    items = sessions[session - 1].exercises if 1 <= session <= len(sessions) else []
    if not 1 <= exercise <= len(items):
        raise NotFound("This plan has no exercise at that place.", code="exercise_not_found")
    return items[exercise - 1], [i.exercise_id for i in items]


async def swap_options(plan: Plan, week: int, session: int, exercise: int) -> tuple[PlannedExercise, list]:
    item, in_session = planned_exercise(plan, week, session, exercise)
    return item, alternatives(await base_brief(plan), item.exercise_id, in_session)


async def plan_swap(
    plan: Plan, week: int, session: int, exercise: int, body: SwapIn
) -> tuple[TrainingBrief, AdaptSpec]:
    """One exercise replaced, in this session and every later one that has it, by an alternative."""
    item, options = await swap_options(plan, week, session, exercise)
    await _open_week(plan, week)
    chosen = next((e for e in options if e.id == body.exercise_id), None)
    if chosen is None:
        offered = ", ".join(e.id for e in options[:12]) or "none: no exercise in the catalogue fits"
        raise InvalidInput(
            f"Choose one of this exercise's alternatives: {offered}.",
            errors=[
                {"field": "exercise_id", "message": "Not an alternative to this exercise.", "code": "invalid"}
            ],
        )
    brief = await base_brief(plan)
    content, weeks = swapped(PlanContent.model_validate(plan.content), week, item.exercise_id, chosen)
    broken = rules.check_rewritten(brief, content, weeks)
    if broken:
        raise AdaptRefused("swap_breaks_rules", f"That swap would break a training rule: {broken[0].message}")
    old = get_exercise(item.exercise_id)
    changes = [
        f"{chosen.name} in place of {old.name if old else item.name} from week {week} on "
        f"(week{'s' if len(weeks) > 1 else ''} {', '.join(map(str, weeks))}): the same movement, with your kit."
    ]
    spec = AdaptSpec(
        kind="swap",
        plan_id=plan.id,
        from_version=plan.version,
        weeks=weeks,
        changes=changes,
        swap_from=item.exercise_id,
        swap_to=chosen.id,
    )
    return brief, spec


async def submit_adaptation(
    services: Any,
    user: User,
    plan: Plan,
    brief: TrainingBrief,
    spec: AdaptSpec,
    *,
    key: str | None,
    request_id: str | None,
) -> Submission:
    """Queue the change as a job (or return the one this same request already made)."""
    digest = hashlib.sha256(json.dumps(spec.fingerprint(), sort_keys=True).encode()).hexdigest()
    if key and (job_id := await replay(user, key, digest)) is not None:
        return Submission(job=await get_job(job_id), plan=None, created=False, replayed=True)
    running = await _running(plan, digest)
    if running is not None:
        await remember_key(user, key, digest, running, services.settings)
        return Submission(job=running, plan=None, created=False)
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
