"""JSON API for changing a plan in use: adjust the rest of it from the log, redo a week under a temporary
constraint, swap an exercise. Each answers like a generate request: 202 with the job to follow (its
events stream and its cancel), or 200 with the new version when `Prefer: wait=N` saw it finish."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED
from pydantic import BaseModel

from web.auth.guards import BEARER, CurrentUser
from web.generation.adapt import (
    SwapIn,
    WeekRedoIn,
    plan_adjustment,
    plan_redo,
    plan_swap,
    swap_options,
)
from web.generation.adapt_submit import refusals, submit_adaptation
from web.generation.api import idempotency_key, job_response, prefer_wait
from web.generation.schemas import GenerationOut
from web.plans.services import own_plan

_FINISHED = {
    200: ResponseSpec(GenerationOut, generate_examples=False, description="Finished within Prefer: wait")
}
EXERCISE = "/{plan_id:uuid}/weeks/{week:int}/sessions/{session:int}/exercises/{exercise:int}"


class AlternativeOut(BaseModel):
    exercise_id: str
    name: str
    equipment: list[str]  # [] for bodyweight


async def _queue(request: Request, user, plan, decide, **asked) -> Response[GenerationOut]:
    services = request.app.state.services
    submission = await submit_adaptation(
        services,
        user,
        plan,
        decide,
        asked=asked,
        key=idempotency_key(request),
        request_id=request.state.get("request_id"),
    )
    return await job_response(services, submission.job, prefer_wait(request))


class PlanChangeController(Controller):
    path = "/api/v1/plans"
    tags = ["plans"]
    security = BEARER

    @post(
        "/{plan_id:uuid}/adjust",
        operation_id="AdjustPlan",
        status_code=HTTP_202_ACCEPTED,
        responses=_FINISHED,
    )
    async def adjust(
        self, request: Request, user: CurrentUser, plan_id: FromPath[UUID]
    ) -> Response[GenerationOut]:
        """Rewrite the weeks after the current one from what you logged (missed sessions, effort, pain),
        as a new version; earlier weeks stay as they were. 409 `nothing_to_adjust` when the log shows
        nothing to change. The new version's `content.adaptation` says what changed and why."""
        plan = await own_plan(user, plan_id)
        return await _queue(request, user, plan, lambda: plan_adjustment(plan), kind="adjust")

    @post(
        "/{plan_id:uuid}/weeks/{week:int}/redo",
        operation_id="RedoWeek",
        status_code=HTTP_202_ACCEPTED,
        responses=_FINISHED,
    )
    async def redo_week(
        self,
        request: Request,
        user: CurrentUser,
        plan_id: FromPath[UUID],
        week: FromPath[int],
        data: JSONBody[WeekRedoIn],
    ) -> Response[GenerationOut]:
        """Write one week (this one or a later one) again for other days, other kit, or both ("only 2 days
        this week", "hotel gym: dumbbells only", `"equipment": []` for none); the rest stays."""
        plan = await own_plan(user, plan_id)
        return await _queue(
            request,
            user,
            plan,
            lambda: plan_redo(plan, week, data),
            kind="redo",
            week=week,
            body=data.model_dump(mode="json"),
        )

    @get(f"{EXERCISE}/alternatives", operation_id="ListExerciseAlternatives")
    async def list_alternatives(
        self,
        user: CurrentUser,
        plan_id: FromPath[UUID],
        week: FromPath[int],
        session: FromPath[int],
        exercise: FromPath[int],
    ) -> list[AlternativeOut]:
        """What can stand in for the exercise at this place (1-based positions): the same movement pattern,
        allowed by your kit, injuries and level, and not already in the session."""
        plan = await own_plan(user, plan_id)
        with refusals():
            _, options = await swap_options(plan, week, session, exercise)
        return [
            AlternativeOut(exercise_id=e.id, name=e.name, equipment=[k.value for k in e.equipment])
            for e in options
        ]

    @post(f"{EXERCISE}/swap", operation_id="SwapExercise", status_code=HTTP_202_ACCEPTED, responses=_FINISHED)
    async def swap(
        self,
        request: Request,
        user: CurrentUser,
        plan_id: FromPath[UUID],
        week: FromPath[int],
        session: FromPath[int],
        exercise: FromPath[int],
        data: JSONBody[SwapIn],
    ) -> Response[GenerationOut]:
        """Swap the exercise for one of its alternatives, in this session and every later one that has it."""
        plan = await own_plan(user, plan_id)
        return await _queue(
            request,
            user,
            plan,
            lambda: plan_swap(plan, week, session, exercise, data),
            kind="swap",
            at=[week, session, exercise],
            body=data.model_dump(mode="json"),
        )
