"""Generate a plan and follow it live: submit once, a progress view fed by server-sent events, cancel,
and an actionable panel for every way it can end."""

from __future__ import annotations

import json
import uuid
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.types import ASGIApp

from web.auth.services import profile_of
from web.domain.adapt import ADAPT_KINDS
from web.errors import AppError, InvalidInput
from web.generation.actions import cancel, job_plan_id, submit
from web.generation.api import event_stream
from web.generation.failures import failure_for
from web.generation.progress import TERMINAL_STATUSES, last_event_seq
from web.generation.services import active_job, own_job
from web.onboarding.validation import parse_generate_request
from web.pages.common import PageUser, idempotency_key_of, is_htmx, redirect, render, render_string
from web.pages.drafts import generate_body, load_draft, step_errors
from web.pages.onboarding import review_context
from web.tables import GenerationJob, User

STALL_SECONDS = 20


@get("/generate")
async def generate_home(request: Request, user: PageUser) -> Response:
    """Where a generation stands: its live page, the finished plan, or the answers to start one."""
    profile = await profile_of(user)
    job = await active_job(profile)
    if job is not None:
        return redirect(request, f"/generate/{job.id}")
    if profile.active_plan_id is not None:
        return redirect(request, "/plan")
    return redirect(request, "/onboarding")


@post("/generate", status_code=303)
async def create_generation(request: Request, user: PageUser) -> Response:
    services = request.app.state.services
    form = await request.form()
    profile = await profile_of(user)
    draft = load_draft(profile)
    for step in ("questions", "personal"):
        if step_errors(step, draft, services.settings.max_free_text_chars):
            return redirect(request, f"/onboarding/{step}")
    body = generate_body(draft, profile.id, regenerate=form.get("regenerate") == "1") | {
        "start_date": str(form.get("start_date") or "") or None,
        "time_zone": str(form.get("time_zone") or "") or None,
    }
    key, request_id = idempotency_key_of(form), request.state.get("request_id")
    try:
        generate = parse_generate_request(body, max_free_text=services.settings.max_free_text_chars)
        submission = await submit(services, user, generate, idempotency_key=key, request_id=request_id)
    except AppError as exc:
        return await _review_again(request, user, profile, draft, exc, form)
    if submission.plan is not None:
        return redirect(request, "/plan")
    return redirect(request, f"/generate/{submission.job.id}")


async def _review_again(request: Request, user: User, profile, draft, exc: AppError, form) -> Response:
    """The review page again, saying why the plan was not started."""
    changed = isinstance(exc, InvalidInput)
    on_start = [e["message"] for e in (exc.errors or []) if e.get("field") in ("start_date", "time_zone")]
    message = (
        on_start[0]
        if on_start
        else "Your answers changed since this page was opened. Check them and press the button again."
        if changed
        else exc.detail
    )
    chosen = str(form.get("start_date") or "")[:10] or None
    context = await review_context(request, user, profile, draft, message=message, start_date=chosen)
    return render(
        request,
        "onboarding/review.html",
        "onboarding/_review.html",
        status=422 if changed else exc.status_code,
        **context,
    )


def _weeks(job: GenerationJob) -> tuple[int, dict[int, dict]]:
    total = int((job.brief or {}).get("weeks") or 0)
    done = {int(k): v for k, v in ((job.checkpoint or {}).get("weeks") or {}).items()}
    return total, done


async def progress_context(request: Request, user: User, job: GenerationJob, seq: int) -> dict[str, Any]:
    """`seq` is the last event id read BEFORE the job row, so the stream resumes after what the page shows
    (an event is stored in the transaction that changes the job)."""
    total, done = _weeks(job)
    terminal = job.status in TERMINAL_STATUSES
    plan_id = await job_plan_id(job)
    return {
        "user": user,
        "job": job,
        "terminal": terminal,
        "weeks_total": total,
        "weeks": done,
        "stage_text": job.stage_text,
        "percent": job.percent,
        "events_url": f"/generate/{job.id}/events?last_event_id={seq}&r={uuid.uuid4().hex[:8]}",
        "result": _result(job.status, job.error_code, job.error_message, plan_id, job.kind),
        "stall_seconds": STALL_SECONDS,
        "push_key": request.app.state.services.pusher.public_key,
    }


def _result(status: str, code: str | None, message: str | None, plan_id: Any, kind: str) -> dict | None:
    if status == "succeeded":
        return {"kind": "done", "plan_id": plan_id}
    if status in ("failed", "cancelled"):
        if status == "failed":
            message = message or failure_for(code or "internal_error").message
        return {
            "kind": status,
            "code": code,
            "message": message or "You cancelled this generation.",
            "regenerate": kind == "regenerate",
            "change": kind in ADAPT_KINDS,
            "idempotency_key": str(uuid.uuid4()),
        }
    return None


async def progress_page(request: Request, user: User, job_id: UUID) -> Response:
    seq = await last_event_seq(job_id)
    job = await own_job(user, job_id)
    context = await progress_context(request, user, job, seq)
    return render(request, "generation/progress.html", "generation/_progress.html", **context)


@get("/generate/{job_id:uuid}")
async def show_progress(request: Request, user: PageUser, job_id: FromPath[UUID]) -> Response:
    """The live progress of one generation (the whole page, or for htmx the part that follows the stream)."""
    return await progress_page(request, user, job_id)


@post("/generate/{job_id:uuid}/cancel", status_code=303)
async def cancel_generation(request: Request, user: PageUser, job_id: FromPath[UUID]) -> Response:
    await cancel(request.app.state.services, user, job_id)
    if is_htmx(request):
        return await progress_page(request, user, job_id)
    return redirect(request, f"/generate/{job_id}")


@get("/generate/{job_id:uuid}/events")
async def stream_progress(request: Request, user: PageUser, job_id: FromPath[UUID]) -> ASGIApp:
    """Server-sent events carrying HTML fragments: stage, week, and the final panel."""
    job = await own_job(user, job_id)
    total = int((job.brief or {}).get("weeks") or 0)

    async def render_event(row: dict) -> str:
        data = row["data"]
        data = json.loads(data) if isinstance(data, str) else data
        return render_event_html(request, row["type"], data, total, job.kind)

    return await event_stream(request, user, job_id, render=render_event)


def render_event_html(request: Request, type_: str, data: dict, total: int, kind: str) -> str:
    status = render_string(
        request,
        "generation/_status.html",
        stage_text=data.get("stage_text", ""),
        percent=int(data.get("percent") or 0),
    )
    if type_ == "week" and isinstance(data.get("week"), dict):
        week = data["week"]
        return status + render_string(
            request,
            "generation/_week_preview.html",
            number=int(week["number"]),
            week=week,
            total=total,
            oob=True,
        )
    if type_ in ("done", "failed", "cancelled"):
        error = data.get("error") or {}
        result = _result(
            {"done": "succeeded"}.get(type_, type_),
            error.get("code"),
            error.get("message"),
            data.get("plan_id"),
            kind,
        )
        return render_string(
            request,
            "generation/_result.html",
            result=result,
            oob=True,
            stage_text=data.get("stage_text", ""),
            percent=int(data.get("percent") or 0),
        )
    return status


ROUTES = [generate_home, create_generation, show_progress, cancel_generation, stream_progress]
