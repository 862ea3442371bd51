"""JSON API for generation: submit, follow (poll or server-sent events), cancel, history."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from litestar.types import ASGIApp
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from web.auth.guards import BEARER, CurrentUser, bearer_token, user_from_token
from web.errors import InvalidInput
from web.generation.actions import cancel, job_plan_id, submit
from web.generation.progress import TERMINAL_EVENTS, TERMINAL_STATUSES, last_event_seq
from web.generation.schemas import GenerationOut, JobOut, job_out
from web.generation.services import get_job, list_jobs, own_job
from web.onboarding.schemas import GenerateRequest
from web.onboarding.validation import parse_generate_request
from web.openapi_docs import documented_body
from web.plans.schemas import plan_out
from web.tables import Plan, User

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces or control characters
_PREFER_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")
MAX_PREFER_WAIT = 60


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "The Idempotency-Key header must be 1-255 printable characters without spaces, e.g. a UUID.",
            code="invalid_idempotency_key",
            errors=[
                {"field": "Idempotency-Key", "message": "1-255 printable characters.", "code": "invalid"}
            ],
        )
    return key


def prefer_wait(request: Request) -> int:
    match = _PREFER_WAIT.search(request.headers.get("prefer", ""))
    return min(int(match.group(1)), MAX_PREFER_WAIT) if match else 0


async def job_view(job) -> JobOut:
    return job_out(job, await job_plan_id(job))


async def _caller_and_body(request: Request) -> tuple[User, Any]:
    """Who is calling, and the parsed body. The header's token comes first; the mobile app's legacy
    contract may send it as `jwt_token` in the body instead, so the body is read before authenticating (a
    body that is not JSON is refused, after authenticating from the header alone)."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        await user_from_token(request, bearer_token(request))
        raise InvalidInput(
            "The body is not valid JSON.",
            errors=[{"field": "body", "message": "Send a JSON object.", "code": "json"}],
        ) from None
    token = bearer_token(request)
    if token is None and isinstance(body, dict) and isinstance(body.get("jwt_token"), str):
        token = body["jwt_token"]
    return await user_from_token(request, token), body


async def job_response(services, job, wait: int) -> Response[GenerationOut]:
    """202 with the job; with `Prefer: wait=N`, 200 with the plan if it is done within N seconds."""
    headers = {"Location": f"/api/v1/generations/{job.id}"}
    if wait:
        job = await _wait_for_end(services, job, wait)
        headers["Preference-Applied"] = f"wait={wait}"
    plan = None
    if job.status == "succeeded":
        row = await Plan.objects().where(Plan.job == job.id).output(load_json=True).first()
        plan = plan_out(row, row.id)
    status = HTTP_200_OK if plan is not None else HTTP_202_ACCEPTED
    out = GenerationOut(status=job.status, job=await job_view(job), plan=plan)
    return Response(out, status_code=status, headers=headers)


class GenerationController(Controller):
    path = "/api/v1"
    tags = ["generation"]
    security = BEARER  # the generate request may carry the token as `jwt_token` in the body instead

    @post(
        "/plans/generate",
        operation_id="GeneratePlan",
        status_code=HTTP_202_ACCEPTED,
        responses={
            200: ResponseSpec(
                GenerationOut,
                generate_examples=False,
                description="The plan exists, or finished within Prefer: wait",
            )
        },
        dependencies=documented_body(GenerateRequest),
        # Authenticated here, not by the API's middleware: the mobile app's legacy contract may send the
        # token as `jwt_token` in the body, which is only known once the body is read.
        exclude_from_auth=True,
    )
    async def create_generation(self, request: Request) -> Response[GenerationOut]:
        """Start generating a plan (202 with the job), or return the complete plan that exists (200)."""
        services = request.app.state.services
        user, body = await _caller_and_body(request)
        key = idempotency_key(request)
        generate = parse_generate_request(body, max_free_text=services.settings.max_free_text_chars)
        submission = await submit(
            services, user, generate, idempotency_key=key, request_id=request.state.get("request_id")
        )
        if submission.plan is not None:
            plan = plan_out(submission.plan, submission.plan.id)
            return Response(GenerationOut(status="succeeded", job=None, plan=plan), status_code=HTTP_200_OK)
        return await job_response(services, submission.job, prefer_wait(request))

    @get("/generations", operation_id="ListGenerations")
    async def list_generations(self, user: CurrentUser) -> list[JobOut]:
        """Your past and current generation attempts, newest first."""
        return [await job_view(job) for job in await list_jobs(user)]

    @get(
        "/generations/{job_id:uuid}",
        operation_id="GetGeneration",
    )
    async def get_generation(self, user: CurrentUser, job_id: FromPath[UUID]) -> JobOut:
        """Poll one generation: status, stage, percent, error, plan id."""
        return await job_view(await own_job(user, job_id))

    @post(
        "/generations/{job_id:uuid}/cancel",
        operation_id="CancelGeneration",
        status_code=HTTP_200_OK,
    )
    async def cancel_generation(self, request: Request, user: CurrentUser, job_id: FromPath[UUID]) -> JobOut:
        """Stop a queued or running generation. Finished ones are returned unchanged."""
        return await job_view(await cancel(request.app.state.services, user, job_id))

    @get(
        "/generations/{job_id:uuid}/events",
        operation_id="StreamGenerationEvents",
        response_description="A stream of server-sent events (text/event-stream)",
        responses={
            204: ResponseSpec(None, description="The job has ended and Last-Event-ID is its last event"),
        },
        media_type="text/event-stream",
    )
    async def stream_events(
        self,
        request: Request,
        user: CurrentUser,
        job_id: FromPath[UUID],
        # Read by event_stream (shared with the pages); declared here so the document lists them. Strings:
        # a value that is not a plain event number replays from the start instead of failing.
        last_event_id_header: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", description="The last event id you received")
        ] = None,
        last_event_id: Annotated[
            str | None,
            QueryParameter(name="last_event_id", description="Last-Event-ID, for clients that cannot set it"),
        ] = None,
    ) -> ASGIApp:
        """Server-sent events of one generation: `stage`, `week`, `fallback`, then one of `done`, `failed`
        or `cancelled`, each with an increasing `id`. Reconnect with `Last-Event-ID` (or
        `?last_event_id=`) to get only what was missed. The README's "Following a generation" shows each
        event's data."""
        return await event_stream(request, user, job_id)


MAX_EVENT_ID = 2**63 - 1  # a 64-bit integer: the database's column
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def last_event_id(request: Request) -> int:
    """The id the client saw last: ASCII digits within a 64-bit integer; anything else (a superscript
    digit, 5,000 digits, a sign) replays from the start instead of failing the stream."""
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id") or "0"
    if not _ASCII_DIGITS.fullmatch(raw.strip()):
        return 0
    value = int(raw.strip())
    return value if value <= MAX_EVENT_ID else 0


async def event_stream(request: Request, user: User, job_id: UUID, render=None) -> Any:
    """Replay what the client missed (after Last-Event-ID), then go live; close after the terminal event.
    A connect after the end that has already seen the terminal event gets 204."""
    services = request.app.state.services
    job = await own_job(user, job_id)
    after = last_event_id(request)
    if job.status in TERMINAL_STATUSES and after >= await last_event_seq(job.id):
        return Response(content=None, status_code=204)
    lease = await services.limits.open_stream(user)
    return EventSourceResponse(
        _events(services, job.id, after, lease, render),
        ping=services.settings.sse_ping_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        send_timeout=30,
        background=BackgroundTask(lease.release),  # also when the stream ends before its first event
    )


async def _events(services, job_id: UUID, after: int, lease, render):
    """Follow the job through this process's one feed of it (web/generation/feed.py)."""
    with lease:
        async with services.feeds.subscribe(job_id) as feed:
            async for row in feed.follow(after, timeout=services.settings.sse_max_seconds):
                data = row["data"] if render is None else await render(row)
                yield ServerSentEvent(data=data, event=row["type"], id=str(row["seq"]))
                if row["type"] in TERMINAL_EVENTS:
                    return
        # A long-idle stream ends cleanly; the client reconnects with Last-Event-ID.
        yield ServerSentEvent(event="timeout", data="{}", retry=1000)


async def _wait_for_end(services, job, seconds: int):
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    while job.status not in TERMINAL_STATUSES and loop.time() < ends:
        await services.notifier.wait(job.id, timeout=min(1.0, max(ends - loop.time(), 0.01)))
        job = await get_job(job.id)
    return job
