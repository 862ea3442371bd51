"""The plan review pages, the history of attempts and versions, and rollback ("Make active")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath
from markupsafe import Markup
from pydantic import ValidationError

from web.analytics import record
from web.auth.services import profile_of
from web.domain.explain import weekly_load
from web.domain.plan import PlanContent
from web.errors import InvalidInput, NotFound
from web.generation.services import active_job, list_jobs
from web.onboarding.validation import field_errors
from web.pages.common import PageUser, is_htmx, redirect, render, safe_next
from web.pages.filters import WEEKDAY_NAMES
from web.plans.api import calendar_response
from web.plans.chart import load_svg
from web.plans.feed import feed_token, feed_urls, stop_feed
from web.plans.log import ScheduleOut, SessionLogIn, clear_log, log_session, schedule
from web.plans.services import (
    activate_plan,
    current_plan,
    list_plans,
    own_plan,
)
from web.tables import Plan, User


@get("/")
async def home(request: Request, user: PageUser) -> Response:
    """Send each person where they are: their plan, the generation under way, or onboarding."""
    try:
        await current_plan(user)
        return redirect(request, "/plan")
    except NotFound:
        pass
    job = await active_job(await profile_of(user))
    return redirect(request, f"/generate/{job.id}" if job else "/onboarding")


async def _plan_page(
    request: Request, user: User, plan: Plan, active_id: UUID | None, *, current: bool
) -> Response:
    content = PlanContent.model_validate(plan.content)
    sched = await schedule(plan)
    return render(
        request,
        "plans/plan.html",
        load_chart=Markup(load_svg(weekly_load(content.weeks))),  # our own SVG: numbers escaped inside
        user=user,
        plan=plan,
        content=content,
        is_active=plan.id == active_id,
        current=current,
        activated=request.query_params.get("activated"),
        back="/plan" if current else f"/plans/{plan.id}",
        glance=_glance(content, sched),
        **_dated(sched),
    )


def _glance(content: PlanContent, sched: ScheduleOut) -> list[dict]:
    """Every week at a glance: a row per week, a cell per weekday (its session, and how it went)."""
    dated = {(s.week, s.session): s for s in sched.sessions}
    rows = []
    for week in content.weeks:
        cells: dict[str, dict] = {}
        for number, session in enumerate(week.sessions, start=1):
            d = dated.get((week.number, number))
            status = (
                "unscheduled"
                if d is None
                else d.log.status
                if d.log is not None
                else "missed"
                if d.date < sched.today
                else "today"
                if d.is_today
                else "ahead"
            )
            cells[session.day.value] = {"session": number, "kind": session.kind.value, "status": status}
        rows.append({"number": week.number, "is_deload": week.is_deload, "cells": cells})
    return rows


def _dated(sched: ScheduleOut) -> dict:
    """The schedule as the plan page uses it: each session by (week, number), this week's with today's
    first, each week's adherence."""
    this_week = [s for s in sched.sessions if s.week == sched.current_week]
    return {
        "today": sched.today,
        "dated": {(s.week, s.session): s for s in sched.sessions},
        "this_week": sorted(this_week, key=lambda s: (not s.is_today, s.date)),
        "current_week": sched.current_week,
        "adherence": {a.week: a for a in sched.adherence},
        "start_date": sched.start_date,
    }


@get("/plan")
async def show_current_plan(request: Request, user: PageUser) -> Response:
    try:
        plan = await current_plan(user)
    except NotFound:
        return redirect(request, "/")  # home knows whether to show onboarding or a running generation
    await record("plan_viewed", user.id)
    return await _plan_page(request, user, plan, plan.id, current=True)


@get("/plans/{plan_id:uuid}/calendar.ics")
async def plan_calendar_file(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    return await calendar_response(await own_plan(user, plan_id))


@get("/plans/{plan_id:uuid}")
async def show_plan(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    plan = await own_plan(user, plan_id)
    _, active = await list_plans(user)
    return await _plan_page(request, user, plan, active, current=False)


async def history_context(user: User, *, activated: Plan | None = None) -> dict:
    plans, active = await list_plans(user)
    jobs = await list_jobs(user)
    return {
        "user": user,
        "plans": plans,
        "active_id": active,
        "jobs": jobs,
        "activated": activated,
        "changes": version_changes(plans),
        "version_of_job": {p.job: p.version for p in plans if p.job is not None},
        "job_of": {j.id: j for j in jobs},
    }


def _shape(plan: Plan) -> dict:
    content = PlanContent.model_validate(plan.content)
    weeks = content.weeks or []
    first = weeks[0].sessions if weeks else []
    minutes = sorted(s.duration_minutes for s in first)
    return {
        "weeks": len(weeks),
        "sessions": len(first),
        "days": ", ".join(WEEKDAY_NAMES.get(str(s.day), str(s.day)) for s in first),
        "minutes": minutes[len(minutes) // 2] if minutes else 0,
        "coach": plan.coach,
    }


def version_changes(plans: list[Plan]) -> dict[UUID, list[str]]:
    """What each version changed from the one before it, in a few words."""
    out: dict[UUID, list[str]] = {}
    earlier = None
    for plan in sorted(plans, key=lambda p: p.version):
        shape = _shape(plan)
        if earlier is None:
            out[plan.id] = ["The first plan."]
        else:
            said = {
                "weeks": f"{shape['weeks']} weeks (was {earlier['weeks']})",
                "sessions": f"{shape['sessions']} sessions a week (was {earlier['sessions']})",
                "days": f"on {shape['days']} (was {earlier['days']})",
                "minutes": f"about {shape['minutes']} min a session (was {earlier['minutes']})",
                "coach": "made by another coach",
            }
            out[plan.id] = [text for key, text in said.items() if shape[key] != earlier[key]] or [
                "Same shape as the version before: written again."
            ]
        earlier = shape
    return out


@get("/history")
async def show_history(request: Request, user: PageUser) -> Response:
    activated = None
    if request.query_params.get("activated"):
        try:
            activated = await own_plan(user, UUID(request.query_params["activated"]))
        except (ValueError, NotFound):
            activated = None
    context = await history_context(user, activated=activated)
    return render(request, "plans/history.html", "plans/_history.html", **context)


@post("/plans/{plan_id:uuid}/activate", status_code=303)
async def make_active(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    """Roll back (or forward) to this plan version."""
    plan = await activate_plan(user, plan_id)
    form = await request.form()
    if is_htmx(request):
        context = await history_context(user, activated=plan)
        return render(request, "plans/history.html", "plans/_history.html", **context)
    target = safe_next(form.get("next"), "/history")
    return redirect(request, f"{target}?activated={plan.id}")


@post("/plans/{plan_id:uuid}/weeks/{week:int}/sessions/{session:int}/log", status_code=303)
async def log_from_page(
    request: Request, user: PageUser, plan_id: FromPath[UUID], week: FromPath[int], session: FromPath[int]
) -> Response:
    """One tap: done, skipped, or undo. htmx gets the session's controls back (and its badge and week
    count out of band); a plain form post comes back to the session on the page it came from."""
    plan = await own_plan(user, plan_id)
    form = await request.form()
    await _apply(user, plan, week, session, form)
    back = safe_next(form.get("next"), "/plan")
    if not is_htmx(request):
        return redirect(request, f"{back}#w{week}-s{session}")
    dated = _dated(await schedule(plan))
    s, a = dated["dated"][(week, session)], dated["adherence"][week]
    return render(request, "plans/_logged.html", plan=plan, s=s, a=a, today=dated["today"], back=back)


async def _apply(user: User, plan: Plan, week: int, session: int, form: Any) -> None:
    """A tap (done, skipped, undo), or "how did it go" (effort, minutes, pain, a note) on a logged one."""
    status = form.get("status")
    if status == "undo":
        await clear_log(plan, week, session)
        return
    if status not in ("done", "skipped"):
        message = "Choose done, skipped or undo."
        raise InvalidInput(message, errors=[{"field": "status", "message": message, "code": "invalid"}])
    details = {k: form.get(k) for k in ("rpe", "minutes", "pain", "note") if form.get(k) not in (None, "")}
    try:
        entry = SessionLogIn(status=status, **details)
    except ValidationError as exc:
        raise InvalidInput(
            "Check how it went: some answers are out of range.", errors=field_errors(exc)
        ) from None
    await log_session(user, plan, week, session, entry, keep_results=True)


@get("/calendar")
async def calendar_page(request: Request, user: PageUser) -> Response:
    """The calendar feed's address, to subscribe to (made on the first visit unless turned off)."""
    profile = await profile_of(user)
    stopped = request.query_params.get("done") == "stopped"
    token = None if stopped else await feed_token(user)
    plan_id = profile.active_plan_id
    notice = {
        "new": "A new address: the old one no longer works. Subscribe again with this one.",
        "stopped": "The calendar feed is off: its address no longer works.",
    }.get(request.query_params.get("done") or "")
    url, webcal = feed_urls(str(request.base_url), token) if token else (None, None)
    download = f"/plans/{plan_id}/calendar.ics" if plan_id else "/plan"
    return render(
        request,
        "plans/calendar.html",
        user=user,
        url=url,
        webcal_url=webcal,
        notice=notice,
        download=download,
    )


@post("/calendar/new", status_code=303)
async def calendar_new(request: Request, user: PageUser) -> Response:
    await feed_token(user, new=True)
    return redirect(request, "/calendar?done=new")


@post("/calendar/stop", status_code=303)
async def calendar_stop(request: Request, user: PageUser) -> Response:
    await stop_feed(user)
    return redirect(request, "/calendar?done=stopped")


ROUTES = [
    home,
    show_current_plan,
    show_plan,
    plan_calendar_file,
    show_history,
    make_active,
    log_from_page,
    calendar_page,
    calendar_new,
    calendar_stop,
]
