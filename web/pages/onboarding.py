"""Onboarding in steps (questions, personal info, review), validated inline with the API's rules and kept
as a draft between visits."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import Request, Response, get, post
from litestar.params import FromPath

from web.analytics import record
from web.auth.services import profile_of
from web.clock import today_in
from web.domain.words import next_monday_or_today
from web.errors import NotFound
from web.pages.common import PageUser, redirect, render
from web.pages.drafts import (
    STEP_TITLES,
    STEPS,
    Draft,
    draft_from_request,
    filled_fields,
    load_draft,
    read_form,
    save_draft,
    step_errors,
    summary,
)
from web.pages.fields import fields_for
from web.plans.services import current_plan
from web.tables import GenerationJob, User, UserProfile


def _step(step: str) -> str:
    if step not in STEPS:
        raise NotFound("There is no such onboarding step.")
    return step


def _max_text(request: Request) -> int:
    return request.app.state.services.settings.max_free_text_chars


async def _has_plan(user: User) -> bool:
    try:
        await current_plan(user)
    except NotFound:
        return False
    return True


async def review_context(
    request: Request,
    user: User,
    profile: UserProfile,
    draft: Draft,
    *,
    message: str | None = None,
    start_date: str | None = None,
) -> dict:
    limit = _max_text(request)
    problems = {s: step_errors(s, draft, limit) for s in ("questions", "personal")}
    return {
        "user": user,
        "step": "review",
        "steps": STEPS,
        "titles": STEP_TITLES,
        "summaries": {s: summary(s, draft) for s in ("questions", "personal")},
        "problems": problems,
        "ready": not any(problems.values()),
        "idempotency_key": str(uuid.uuid4()),  # one per rendered review: a double submit reuses the job
        "regenerate": await _has_plan(user),
        "message": message,
        "coach": request.app.state.services.coach.name,  # how long to promise: seconds offline, longer with the LLM
        **_start(profile, start_date),
    }


def _start(profile: UserProfile, chosen: str | None) -> dict:
    """The start-date field: the person's choice, else the next Monday (or today on a Monday) where they
    are; the browser fills in its time zone (static/js/app.js), kept on the profile once sent."""
    today = today_in(profile.time_zone)
    return {
        "start_date": chosen or next_monday_or_today(today).isoformat(),
        "start_min": today.isoformat(),
        "start_max": (today + dt.timedelta(days=183)).isoformat(),
        "time_zone": profile.time_zone or "",
    }


def step_page(
    request: Request,
    user: User,
    step: str,
    draft: Draft,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> Response:
    fields = filled_fields(step, draft, errors)
    groups: dict[str, list] = {}
    for f in fields:  # in the order the fields are listed
        groups.setdefault(f.group, []).append(f)
    return render(
        request,
        f"onboarding/{step}.html",
        status=status,
        user=user,
        step=step,
        steps=STEPS,
        titles=STEP_TITLES,
        groups=list(groups.items()),
        problems=[f for f in fields if f.error],
    )


async def current_draft(profile: UserProfile) -> Draft:
    """The saved draft; for someone who never used these pages, what their last generate request sent."""
    draft = load_draft(profile)
    if draft.answers or draft.personal:
        return draft
    job = (
        await GenerationJob.objects()
        .where(GenerationJob.profile == profile.id)
        .order_by(GenerationJob.created_at, ascending=False)
        .output(load_json=True)
        .first()
    )
    if job is not None and isinstance(job.request, dict):
        draft = draft_from_request(job.request)
        await save_draft(profile, draft)
    return draft


@get("/onboarding")
async def resume_onboarding(request: Request, user: PageUser) -> Response:
    draft = await current_draft(await profile_of(user))
    return redirect(request, f"/onboarding/{draft.step}")


@get("/onboarding/{step:str}")
async def show_step(request: Request, user: PageUser, step: FromPath[str]) -> Response:
    step = _step(step)
    profile = await profile_of(user)
    draft = await current_draft(profile)
    await record(f"onboarding_{step}_viewed", user.id)
    if draft.step != step:  # leaving and coming back resumes here
        draft.step = step
        await save_draft(profile, draft)
    if step == "review":
        context = await review_context(request, user, profile, draft)
        return render(request, "onboarding/review.html", "onboarding/_review.html", **context)
    return step_page(request, user, step, draft)


@post("/onboarding/{step:str}", status_code=303)
async def submit_step(request: Request, user: PageUser, step: FromPath[str]) -> Response:
    step = _step(step)
    if step == "review":
        return redirect(request, "/onboarding/review")
    form = await request.form()
    profile = await profile_of(user)
    draft = load_draft(profile)
    draft.section(step).update(read_form(step, form))
    index = STEPS.index(step)
    if form.get("go") == "back":
        draft.step = STEPS[max(index - 1, 0)]
        await save_draft(profile, draft)
        return redirect(request, f"/onboarding/{draft.step}")
    errors = step_errors(step, draft, _max_text(request))
    draft.step = step if errors else STEPS[index + 1]
    await save_draft(profile, draft)  # kept even when invalid: nothing typed is lost
    if errors:
        return step_page(request, user, step, draft, errors, status=422)
    await record(f"onboarding_{step}_completed", user.id)
    return redirect(request, f"/onboarding/{draft.step}")


@post("/onboarding/{step:str}/validate", status_code=200)
async def validate_field(request: Request, user: PageUser, step: FromPath[str]) -> Response:
    """Inline validation of one field as the person goes (htmx); the draft is saved on the way."""
    step = _step(step)
    if step == "review":
        raise NotFound("The review step has no fields.")
    form = await request.form()
    key = str(form.get("_field", ""))
    if key not in {f.key for f in fields_for(step)}:
        raise NotFound("There is no such field.")
    profile = await profile_of(user)
    draft = load_draft(profile)
    draft.section(step).update(read_form(step, form))
    draft.step = step
    await save_draft(profile, draft)
    errors = step_errors(step, draft, _max_text(request))
    field = next(f for f in filled_fields(step, draft, errors) if f.key == key)
    return render(
        request,
        "onboarding/_field_only.html",
        "onboarding/_field_only.html",
        user=user,
        step=step,
        field=field,
    )


ROUTES = [resume_onboarding, show_step, submit_step, validate_field]
