"""Changing a plan from the browser, what the coach has learned, and Web Push for this browser: one page that says what adjusting would change (or why there is
nothing to change) and redoes a week for other days or kit, and a page per exercise to swap it. Each
submit queues the same job as the API and follows it on the live progress page."""

from __future__ import annotations

import re
import uuid
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import File
from pydantic import ValidationError

from web.domain.adapt import AdaptRefused
from web.domain.enums import Equipment, Weekday
from web.errors import AppError, InvalidInput, JsonBodyRequest
from web.generation.adapt import (
    SwapIn,
    WeekRedoIn,
    base_brief,
    plan_adjustment,
    plan_redo,
    plan_swap,
    swap_options,
)
from web.generation.adapt_submit import refusals, submit_adaptation
from web.pages.assets import STATIC
from web.pages.common import PageUser, idempotency_key_of, redirect, render
from web.pages.filters import WEEKDAY_NAMES
from web.plans.log import schedule
from web.plans.services import current_plan, own_plan
from web.playbook.services import delete_entry, playbook_of
from web.push.api import SubscriptionIn
from web.tables import Plan, User

KITS = {"usual": None, "dumbbells": [Equipment.dumbbells], "none": []}  # the redo form's kit choices
EXERCISE = "/plans/{plan_id:uuid}/weeks/{week:int}/sessions/{session:int}/exercises/{exercise:int}/swap"


async def _change_context(plan: Plan, **extra: Any) -> dict[str, Any]:
    sched = await schedule(plan)
    brief, adjust, refused = None, [], None
    try:
        brief = await base_brief(plan)  # the usual days, ticked in the redo form
        adjust = (await plan_adjustment(plan))[1].changes  # what adjusting would change, said up front
    except AdaptRefused as exc:
        refused = exc.message
    return {
        "plan": plan,
        "current_week": sched.current_week,
        "adjust": adjust,
        "adjust_refused": refused,
        "days": [(d.value, WEEKDAY_NAMES[d]) for d in Weekday],
        "usual_days": [d.value for d in brief.days] if brief else [],
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


async def _queue(request: Request, user: User, plan: Plan, decide, again) -> Response:
    form = await request.form()
    # What was asked, for a retried form: its address and fields, without the token and the key.
    fields = sorted((k, str(v)) for k, v in form.multi_items() if k not in ("_csrf_token", "idempotency_key"))
    try:
        submission = await submit_adaptation(
            request.app.state.services,
            user,
            plan,
            lambda: decide(form),
            asked={"path": request.url.path, "form": fields},
            key=idempotency_key_of(form),
            request_id=request.state.get("request_id"),
        )
    except AppError as exc:
        return await again(exc)
    return redirect(request, f"/generate/{submission.job.id}")


@get("/plan/change")
async def change_current(request: Request, user: PageUser) -> Response:
    """The change page of the plan in use."""
    return redirect(request, f"/plans/{(await current_plan(user)).id}/change")


@get("/plans/{plan_id:uuid}/change")
async def change_page(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    plan = await own_plan(user, plan_id)
    return render(request, "plans/change.html", user=user, **await _change_context(plan))


def _refused_here(request: Request, user: User, plan: Plan, field: str):
    async def again(exc: AppError) -> Response:
        context = await _change_context(plan, **{f"{field}_error": exc.detail})
        return render(request, "plans/change.html", user=user, status=exc.status_code, **context)

    return again


@post("/plans/{plan_id:uuid}/adjust", status_code=303)
async def adjust_from_page(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    plan = await own_plan(user, plan_id)

    async def decide(_form):
        return await plan_adjustment(plan)

    return await _queue(request, user, plan, decide, _refused_here(request, user, plan, "adjust"))


def _redo_body(form) -> WeekRedoIn:
    days, kit = form.getall("days", []), KITS.get(str(form.get("kit", "usual")))
    if len(days) > 6:
        raise InvalidInput("Choose at most 6 days: keep one day a week for rest.")
    try:
        return WeekRedoIn(days=days or None, equipment=kit)
    except ValidationError:
        raise InvalidInput("Choose the days from the list.") from None


@post("/plans/{plan_id:uuid}/redo", status_code=303)
async def redo_from_page(request: Request, user: PageUser, plan_id: FromPath[UUID]) -> Response:
    plan = await own_plan(user, plan_id)

    async def decide(form):
        chosen = str(form.get("week", ""))
        week = int(chosen) if re.fullmatch(r"[0-9]{1,2}", chosen) else 0
        return await plan_redo(plan, week, _redo_body(form))

    return await _queue(request, user, plan, decide, _refused_here(request, user, plan, "redo"))


async def _swap_context(plan: Plan, week: int, session: int, exercise: int, **extra: Any) -> dict[str, Any]:
    with refusals():
        item, options = await swap_options(plan, week, session, exercise)
    here = f"/plans/{plan.id}/weeks/{week}/sessions/{session}/exercises/{exercise}/swap"
    return {
        "plan": plan,
        "item": item,
        "options": options,
        "week": week,
        "action": here,
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


@get(EXERCISE)
async def swap_page(
    request: Request,
    user: PageUser,
    plan_id: FromPath[UUID],
    week: FromPath[int],
    session: FromPath[int],
    exercise: FromPath[int],
) -> Response:
    plan = await own_plan(user, plan_id)
    return render(request, "plans/swap.html", user=user, **await _swap_context(plan, week, session, exercise))


@post(EXERCISE, status_code=303)
async def swap_from_page(
    request: Request,
    user: PageUser,
    plan_id: FromPath[UUID],
    week: FromPath[int],
    session: FromPath[int],
    exercise: FromPath[int],
) -> Response:
    plan = await own_plan(user, plan_id)

    async def decide(form):
        return await plan_swap(
            plan, week, session, exercise, SwapIn(exercise_id=str(form.get("exercise_id") or "-")[:60])
        )

    async def again(exc: AppError) -> Response:
        context = await _swap_context(plan, week, session, exercise, error=exc.detail)
        return render(request, "plans/swap.html", user=user, status=exc.status_code, **context)

    return await _queue(request, user, plan, decide, again)


# -- what the coach has learned ----------------------------------------------------------------------

CATEGORY_TITLES = {
    "limits": "Your limits",
    "preferences": "What you like",
    "schedule": "Your schedule",
    "motivation": "What keeps you going",
}


@get("/playbook")
async def playbook_page(request: Request, user: PageUser) -> Response:
    """What your coach has learned: the live notes by category, their record, a Delete for each."""
    book = await playbook_of(user)
    groups = {c: [e for e in book["entries"] if e["category"] == c] for c in CATEGORY_TITLES}
    deleted = request.query_params.get("deleted") == "1"
    return render(
        request,
        "plans/playbook.html",
        user=user,
        groups=groups,
        titles=CATEGORY_TITLES,
        book=book,
        deleted=deleted,
    )


@post("/playbook/entries/{entry_id:int}/delete", status_code=303)
async def delete_note(request: Request, user: PageUser, entry_id: FromPath[int]) -> Response:
    await delete_entry(user, entry_id)
    return redirect(request, "/playbook?deleted=1")


# -- Web Push, from the progress page --------------------------------------------------------------


@post("/push/subscriptions", status_code=201, request_class=JsonBodyRequest)  # bad JSON: a 422, as on the API
async def subscribe_device(request: Request, user: PageUser, data: JSONBody[SubscriptionIn]) -> None:
    """This browser's push subscription (static/js/app.js sends it after "Tell me when it's ready")."""
    await request.app.state.services.pusher.subscribe(user, data.endpoint, data.keys.p256dh, data.keys.auth)


@get("/sw.js", media_type="text/javascript")
async def service_worker() -> File:
    """The service worker, from the site's root so that its scope is the whole site."""
    return File(
        path=STATIC / "js" / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


ROUTES = [
    change_current,
    change_page,
    adjust_from_page,
    redo_from_page,
    swap_page,
    swap_from_page,
    playbook_page,
    delete_note,
    subscribe_device,
    service_worker,
]
