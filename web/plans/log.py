"""Living with a plan: every session dated from the plan's first day, logged done or skipped with how it
went, and adherence per week.

Dates: a plan starts on the day chosen when it was made (the next Monday, or today on a Monday); its week
N runs Monday to Sunday, N-1 weeks after the first. Sessions of the first week that fall before the start
are not scheduled (the calendar file leaves them out too). "Today" is the date where the person is (the
time zone their generate request gave, kept on the profile; UTC when none was given).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from web.analytics import write_event
from web.clock import now, today_in
from web.db import is_unique_violation, write_transaction
from web.domain.enums import Injury, SessionKind, Weekday
from web.domain.plan import PlanContent, PlannedSession
from web.domain.text import CleanText, ClosedBody
from web.errors import NotFound
from web.plans.calendar import plan_start, session_date
from web.playbook.learning import curate_quietly
from web.tables import GenerationJob, Plan, SessionLog, User, UserProfile


class ExerciseResult(ClosedBody):
    """What was done of one exercise: load and reps, or distance and time."""

    name: CleanText = Field(min_length=1, max_length=120)
    load_kg: float | None = Field(default=None, ge=0, le=1000)
    reps: int | None = Field(default=None, ge=0, le=1000)
    distance_km: float | None = Field(default=None, ge=0, le=500)
    minutes: float | None = Field(default=None, ge=0, le=1440)


class SessionLogIn(ClosedBody):
    status: Literal["done", "skipped"]
    rpe: int | None = Field(default=None, ge=1, le=10, description="How hard it felt, 1-10")
    minutes: int | None = Field(default=None, ge=1, le=600, description="How long it took")
    pain: Injury | None = Field(default=None, description="The body part that hurt, if any")
    note: Annotated[CleanText, Field(max_length=500)] = ""
    exercises: list[ExerciseResult] = Field(default_factory=list, max_length=16)


class SessionLogOut(SessionLogIn):
    week: int
    session: int
    logged_at: dt.datetime


class ScheduledSession(BaseModel):
    week: int
    session: int  # 1-based, in the week's order: the {session} of the log's address
    date: dt.date
    day: Weekday
    title: str
    kind: SessionKind
    duration_minutes: int
    is_today: bool
    log: SessionLogOut | None


class WeekAdherence(BaseModel):
    week: int
    planned: int
    done: int
    skipped: int
    missed: int  # dated before today and not logged
    percent: int | None  # done of the sessions due so far (dated up to today, or logged); None if none


class ScheduleOut(BaseModel):
    plan_id: uuid.UUID
    start_date: dt.date
    today: dt.date
    current_week: int
    sessions: list[ScheduledSession]
    adherence: list[WeekAdherence]


async def start_date_of(plan: Plan) -> dt.date:
    """The plan's first day: the one its brief was given, or (older plans) the Monday after it was made."""
    chosen = None
    if plan.job is not None:
        row = (
            await GenerationJob.select(GenerationJob.brief)
            .where(GenerationJob.id == plan.job)
            .output(load_json=True)
            .first()
        )
        raw = (row["brief"] or {}).get("start_date") if row else None
        chosen = dt.date.fromisoformat(raw) if isinstance(raw, str) else None
    return plan_start(chosen, plan.created_at)


async def today_for(plan: Plan) -> dt.date:
    """Today where the plan's owner is (their profile's time zone; UTC when it is not known)."""
    row = await UserProfile.select(UserProfile.time_zone).where(UserProfile.id == plan.profile).first()
    return today_in(row["time_zone"] if row else None)


async def schedule(plan: Plan, today: dt.date | None = None) -> ScheduleOut:
    today = today or await today_for(plan)
    start = await start_date_of(plan)
    content = PlanContent.model_validate(plan.content)
    logs = {(log.week, log.session): log for log in await _logs(plan.id)}
    sessions = [
        ScheduledSession(
            week=week.number,
            session=index,
            date=day,
            day=session.day,
            title=session.title,
            kind=session.kind,
            duration_minutes=session.duration_minutes,
            is_today=day == today,
            log=logs.get((week.number, index)),
        )
        for week in content.weeks
        for index, session in enumerate(week.sessions, start=1)
        if (day := session_date(start, week.number, session.day)) >= start
    ]
    return ScheduleOut(
        plan_id=plan.id,
        start_date=start,
        today=today,
        current_week=_current_week(start, today, len(content.weeks)),
        sessions=sessions,
        adherence=[_adherence(n, [s for s in sessions if s.week == n], today) for n in _weeks(content)],
    )


def _weeks(content: PlanContent) -> list[int]:
    return [week.number for week in content.weeks]


def _current_week(start: dt.date, today: dt.date, weeks: int) -> int:
    monday = start - dt.timedelta(days=start.weekday())
    return min(max((today - monday).days // 7 + 1, 1), max(weeks, 1))


def _adherence(week: int, sessions: list[ScheduledSession], today: dt.date) -> WeekAdherence:
    done = sum(1 for s in sessions if s.log is not None and s.log.status == "done")
    skipped = sum(1 for s in sessions if s.log is not None and s.log.status == "skipped")
    missed = sum(1 for s in sessions if s.log is None and s.date < today)
    due = sum(1 for s in sessions if s.log is not None or s.date <= today)
    percent = round(100 * done / due) if due else None
    return WeekAdherence(
        week=week, planned=len(sessions), done=done, skipped=skipped, missed=missed, percent=percent
    )


def planned_session(plan: Plan, week: int, session: int) -> PlannedSession:
    weeks = {w.number: w for w in PlanContent.model_validate(plan.content).weeks}
    if week not in weeks or not 1 <= session <= len(weeks[week].sessions):
        raise NotFound(f"This plan has no session {session} in week {week}.", code="session_not_found")
    return weeks[week].sessions[session - 1]


async def scheduled(plan: Plan, week: int, session: int) -> PlannedSession:
    """A session of the plan that has a date (not one of the first week's before the plan starts)."""
    planned = planned_session(plan, week, session)
    start = await start_date_of(plan)
    if session_date(start, week, planned.day) < start:
        raise NotFound(
            f"Session {session} of week {week} falls before this plan starts: it is not on the schedule.",
            code="session_not_found",
        )
    return planned


async def log_session(
    user: User, plan: Plan, week: int, session: int, entry: SessionLogIn, *, keep_results: bool = False
) -> SessionLogOut:
    """Record what happened to one session. Logging it again replaces the entry: a retried request (or a
    second tap) leaves one log, never two. `keep_results`: a form that does not show the per-exercise
    results (the page's "How did it go?") keeps those already logged instead of clearing them."""
    await scheduled(plan, week, session)
    values = {
        SessionLog.status: entry.status,
        SessionLog.rpe: entry.rpe,
        SessionLog.minutes: entry.minutes,
        SessionLog.pain: entry.pain.value if entry.pain else None,
        SessionLog.note: entry.note,
        SessionLog.exercises: [e.model_dump(mode="json") for e in entry.exercises],
        SessionLog.logged_at: now(),
    }
    if keep_results:
        del values[SessionLog.exercises]
    key = (SessionLog.plan == plan.id) & (SessionLog.week == week) & (SessionLog.session == session)
    for attempt in (1, 2):
        try:
            async with write_transaction():
                if not await SessionLog.update(values).where(key).returning(SessionLog.id):
                    row = SessionLog(id=uuid.uuid4(), user=user.id, plan=plan.id, week=week, session=session)
                    for column, value in values.items():
                        setattr(row, column._meta.name, value)
                    await row.save()
                await write_event("session_logged", user.id, status=entry.status, week=week)
            break
        except Exception as exc:  # a parallel first log of the same session won the insert: update it
            if attempt == 2 or not is_unique_violation(exc):
                raise
    await curate_quietly(user.id)  # the playbook learns from what happened
    return (await _logs(plan.id, week, session))[0]


async def clear_log(plan: Plan, week: int, session: int) -> None:
    await scheduled(plan, week, session)
    async with write_transaction():
        await SessionLog.delete().where(
            (SessionLog.plan == plan.id) & (SessionLog.week == week) & (SessionLog.session == session)
        )
    await curate_quietly(plan.user)


async def _logs(
    plan_id: uuid.UUID, week: int | None = None, session: int | None = None
) -> list[SessionLogOut]:
    where = SessionLog.plan == plan_id
    if week is not None:
        where &= (SessionLog.week == week) & (SessionLog.session == session)
    rows = await SessionLog.select().where(where).output(load_json=True)
    return [
        SessionLogOut(
            week=r["week"],
            session=r["session"],
            status=r["status"],
            rpe=r["rpe"],
            minutes=r["minutes"],
            pain=r["pain"],
            note=r["note"],
            exercises=r["exercises"] or [],
            logged_at=r["logged_at"],
        )
        for r in rows
    ]


async def carry_logs(from_plan: uuid.UUID, to_plan: uuid.UUID, rewritten: Collection[int] = ()) -> int:
    """Inside the caller's transaction: a changed version keeps what was logged against the weeks it kept
    (those of `rewritten` are new sessions, so their logs stay with the version they were made on)."""
    rows = await SessionLog.select().where(SessionLog.plan == from_plan).output(load_json=True)
    kept = [r for r in rows if r["week"] not in set(rewritten)]
    for r in kept:
        await SessionLog(
            **{**r, "id": uuid.uuid4(), "plan": to_plan, "origin": r["origin"] or r["id"]}
        ).save()
    return len(kept)
