"""Changing a plan in use, as a job: "adjust the rest of my plan" from the training log, redo one week
under a temporary constraint, swap one exercise. Each is decided here (what changes, and why) and queued
as a job of its own kind; the runner writes it (web/generation/adapt_run.py) through the same progress
stream, rules and atomic save as a full generation, and the result is a new plan version.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
from web.errors import InvalidInput, NotFound
from web.plans.log import ScheduleOut, schedule
from web.tables import GenerationJob, Plan, UserProfile


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
    # What later changes build on: the brief without a week's temporary constraint, and the first day
    # whose log an adjustment has not answered yet.
    base_brief: dict[str, Any] | None = None
    log_since: dt.date | None = None
    keep: list[tuple[int, int]] = []  # a swap leaves these sessions (week, session) as they are


@dataclass(frozen=True)
class Basis:
    """What a change of a plan version builds on."""

    brief: TrainingBrief  # never a week's temporary constraint
    log_since: dt.date | None  # an adjustment already answered the log before this day


async def basis(plan: Plan) -> Basis:
    """The brief later changes of this version build on, and the log window still unanswered."""
    row = None
    if plan.job is not None:
        row = (
            await GenerationJob.select(GenerationJob.brief, GenerationJob.request)
            .where(GenerationJob.id == plan.job)
            .output(load_json=True)
            .first()
        )
    if not row or not row["brief"]:
        raise AdaptRefused(
            "plan_not_changeable", "This plan version cannot be changed: make a new plan instead."
        )
    adapt = (row["request"] or {}).get("adapt") or {}
    since = adapt.get("log_since")
    return Basis(
        TrainingBrief.model_validate(adapt.get("base_brief") or row["brief"]),
        dt.date.fromisoformat(since) if since else None,
    )


async def base_brief(plan: Plan) -> TrainingBrief:
    return (await basis(plan)).brief


async def _active(plan: Plan) -> None:
    row = await UserProfile.select(UserProfile.active_plan_id).where(UserProfile.id == plan.profile).first()
    if not row or row["active_plan_id"] != plan.id:
        raise AdaptRefused(
            "plan_not_active",
            "Only your active plan can be changed: make this version active first, or change your active plan.",
        )


def logged(sched: ScheduleOut, since: dt.date | None = None) -> list[LoggedSession]:
    """The sessions due so far (dated before today, or logged) as the log left them; from `since` on,
    when an adjustment already answered what came before."""
    out = []
    for s in sched.sessions:
        if since is not None and s.date < since:
            continue
        if s.log is not None:
            out.append(LoggedSession(s.week, s.log.status, s.log.rpe, s.log.pain))
        elif s.date < sched.today:
            out.append(LoggedSession(s.week, "missed"))
    return out


async def plan_adjustment(plan: Plan) -> tuple[TrainingBrief, AdaptSpec]:
    """ "Adjust the rest of my plan": the weeks after the current one, rewritten from what the log shows."""
    await _active(plan)
    base, sched = await basis(plan), await schedule(plan)
    if sched.current_week >= plan.weeks_count:
        raise AdaptRefused(
            "plan_ending",
            "This is the plan's last week: there is nothing after it to adjust. Make a new plan next.",
        )
    new_brief, changes = adjusted_brief(base.brief, logged(sched, base.log_since))
    weeks = list(range(sched.current_week + 1, plan.weeks_count + 1))
    return new_brief, AdaptSpec(
        kind="adjust",
        plan_id=plan.id,
        from_version=plan.version,
        weeks=weeks,
        changes=changes,
        base_brief=new_brief.model_dump(mode="json"),
        log_since=sched.today,
    )


async def _open_week(plan: Plan, week: int) -> ScheduleOut:
    """The schedule, when `week` is this week or a later one of the active plan."""
    if not 1 <= week <= plan.weeks_count:
        raise NotFound(f"This plan has weeks 1 to {plan.weeks_count}.", code="week_not_found")
    await _active(plan)
    sched = await schedule(plan)
    if week < sched.current_week:
        raise AdaptRefused(
            "week_past", f"Week {week} is over: change week {sched.current_week} or a later one."
        )
    return sched


def _settled(sched: ScheduleOut) -> set[tuple[int, int]]:
    """Sessions a change leaves as they are: logged, or dated before today."""
    return {(s.week, s.session) for s in sched.sessions if s.log is not None or s.date < sched.today}


async def plan_redo(plan: Plan, week: int, body: WeekRedoIn) -> tuple[TrainingBrief, AdaptSpec]:
    """One week written again for other days or other kit; the rest of the plan as it is."""
    if body.days is None and body.equipment is None:
        raise InvalidInput(
            "Say what is different that week: the days you can train, the kit you have, or both.",
            errors=[
                {
                    "field": "days",
                    "message": "Give the days or the equipment for that week.",
                    "code": "missing",
                }
            ],
        )
    sched = await _open_week(plan, week)
    if any(s.week == week and s.log is not None for s in sched.sessions):
        raise AdaptRefused(
            "week_logged",
            f"You have logged sessions in week {week}: redo a later week, or swap single exercises.",
        )
    days = body.days
    if days is not None and week == sched.current_week:  # days already gone this week cannot be trained
        passed = {s.day for s in sched.sessions if s.week == week and s.date < sched.today}
        days = [d for d in days if d not in passed] or None
        if days is None:
            raise AdaptRefused(
                "no_days_left", "Every day you chose has passed this week: choose from today on."
            )
    base = await basis(plan)
    brief, said = constrained_brief(base.brief, days, body.equipment)
    changes = [f"Week {week} rewritten for {' and '.join(said)}; the other weeks are unchanged."]
    spec = AdaptSpec(
        kind="redo_week",
        plan_id=plan.id,
        from_version=plan.version,
        weeks=[week],
        changes=changes,
        days=days,
        equipment=body.equipment,
        base_brief=base.brief.model_dump(mode="json"),
        log_since=base.log_since,
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
    sched = await _open_week(plan, week)
    chosen = next((e for e in options if e.id == body.exercise_id), None)
    if chosen is None:
        offered = ", ".join(e.id for e in options[:12]) or "none: no exercise in the catalogue fits"
        raise InvalidInput(
            f"Choose one of this exercise's alternatives: {offered}.",
            errors=[
                {"field": "exercise_id", "message": "Not an alternative to this exercise.", "code": "invalid"}
            ],
        )
    base = await basis(plan)
    brief = base.brief
    content, weeks = swapped(
        PlanContent.model_validate(plan.content), week, item.exercise_id, chosen, keep=_settled(sched)
    )
    if not weeks:
        raise AdaptRefused("nothing_to_swap", "Every session with this exercise is logged or past already.")
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
        keep=sorted(_settled(sched)),
        base_brief=brief.model_dump(mode="json"),
        log_since=base.log_since,
    )
    return brief, spec
