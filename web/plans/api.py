"""JSON API for plan versions, their schedule, and the sessions logged against them."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from pydantic import BaseModel

from web.analytics import record
from web.auth.guards import BEARER, CurrentUser
from web.domain.explain import weekly_load
from web.domain.plan import PlanContent
from web.errors import NotFound
from web.plans.chart import load_svg
from web.plans.feed import feed_calendar, feed_token, feed_urls, stop_feed
from web.plans.log import ScheduleOut, SessionLogIn, SessionLogOut, clear_log, log_session, schedule
from web.plans.schemas import PlanOut, PlanSummary, plan_out, plan_summary
from web.plans.services import (
    activate_plan,
    current_plan,
    list_plans,
    own_plan,
    plan_calendar,
)
from web.tables import Plan


async def calendar_response(plan: Plan) -> Response[str]:
    """The plan's iCalendar file as a download, never cached (the API and the plan page serve it)."""
    headers = {
        "Content-Disposition": f'attachment; filename="trainplan-v{plan.version}.ics"',
        "Cache-Control": "private, no-store",
    }
    return Response(await plan_calendar(plan), media_type="text/calendar; charset=utf-8", headers=headers)


class CalendarFeedOut(BaseModel):
    url: str  # https://.../calendar/<secret>.ics: subscribe to it in Google, Apple or Outlook calendars
    webcal_url: str  # the same with webcal://, which opens the calendar app on phones


def _feed_out(request: Request, token: str) -> CalendarFeedOut:
    url, webcal = feed_urls(str(request.base_url), token)
    return CalendarFeedOut(url=url, webcal_url=webcal)


class CalendarFeedController(Controller):
    path = "/api/v1/calendar"
    tags = ["plans"]
    security = BEARER

    @get("/", operation_id="GetCalendarFeed")
    async def get_feed(self, request: Request, user: CurrentUser) -> CalendarFeedOut:
        """Your calendar feed's address (made on first use): calendars that subscribe to it follow your
        active plan. Keep it secret: anyone with the address can read your sessions."""
        return _feed_out(request, await feed_token(user))

    @post("/new", operation_id="RenewCalendarFeed", status_code=HTTP_200_OK)
    async def new_feed(self, request: Request, user: CurrentUser) -> CalendarFeedOut:
        """A new address; the old one stops working at once (subscribe again with the new one)."""
        return _feed_out(request, await feed_token(user, new=True))

    @delete("/", operation_id="StopCalendarFeed", status_code=HTTP_204_NO_CONTENT)
    async def stop(self, user: CurrentUser) -> None:
        """No feed any more: the address stops working."""
        await stop_feed(user)


@get("/calendar/{name:str}", include_in_schema=False, media_type="text/calendar")
async def calendar_feed(name: FromPath[str]) -> Response[str]:
    """The feed calendars poll: its secret address is the key (no session, no token)."""
    calendar = await feed_calendar(name.removesuffix(".ics")) if name.endswith(".ics") else None
    if calendar is None:
        raise NotFound("There is no calendar at this address (it may have been replaced).", code="not_found")
    headers = {"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"}
    return Response(calendar, media_type="text/calendar; charset=utf-8", headers=headers)


SESSION_LOG = "/{plan_id:uuid}/weeks/{week:int}/sessions/{session:int}/log"


class PlanController(Controller):
    path = "/api/v1/plans"
    tags = ["plans"]
    security = BEARER

    @get("/current", operation_id="GetCurrentPlan")
    async def get_current_plan(self, user: CurrentUser) -> PlanOut:
        """The plan version in use."""
        plan = await current_plan(user)
        await record("plan_viewed", user.id)
        return plan_out(plan, plan.id)

    @get("/", operation_id="ListPlans")
    async def list_plan_versions(self, user: CurrentUser) -> list[PlanSummary]:
        """Every plan version, newest first; `is_active` marks the one in use."""
        plans, active = await list_plans(user)
        return [plan_summary(p, active) for p in plans]

    @get("/{plan_id:uuid}", operation_id="GetPlan")
    async def get_plan(self, user: CurrentUser, plan_id: FromPath[UUID]) -> PlanOut:
        """One plan version, with its weeks, sessions and exercises."""
        plan = await own_plan(user, plan_id)
        _, active = await list_plans(user)
        return plan_out(plan, active)

    @get(
        "/{plan_id:uuid}/load.svg",
        operation_id="GetPlanLoadChart",
        media_type="image/svg+xml",
        summary="The plan's weekly load as an SVG chart",
    )
    async def get_load_chart(self, user: CurrentUser, plan_id: FromPath[UUID]) -> Response[str]:
        """Hard sets (bars) and running km (line) per week, deload weeks marked; for apps and print."""
        plan = await own_plan(user, plan_id)
        content = PlanContent.model_validate(plan.content)
        headers = {"Cache-Control": "private, no-store"}
        return Response(load_svg(weekly_load(content.weeks)), media_type="image/svg+xml", headers=headers)

    @get(
        "/{plan_id:uuid}/calendar.ics",
        operation_id="GetPlanCalendar",
        media_type="text/calendar",
        summary="The plan as an iCalendar file",
    )
    async def get_calendar(self, user: CurrentUser, plan_id: FromPath[UUID]) -> Response[str]:
        """Every session as an all-day event on its date, from the plan's first day; stable UIDs, so
        importing a plan again updates its events."""
        return await calendar_response(await own_plan(user, plan_id))

    @get("/{plan_id:uuid}/schedule", operation_id="GetPlanSchedule")
    async def get_schedule(self, user: CurrentUser, plan_id: FromPath[UUID]) -> ScheduleOut:
        """Every session with its date (today's marked), what was logged, and adherence per week."""
        return await schedule(await own_plan(user, plan_id))

    @put(SESSION_LOG, operation_id="LogSession")
    async def put_session_log(
        self,
        user: CurrentUser,
        plan_id: FromPath[UUID],
        week: FromPath[int],
        session: FromPath[int],
        data: JSONBody[SessionLogIn],
    ) -> SessionLogOut:
        """Mark a session done or skipped, optionally with effort (RPE), time, pain, a note and what was
        lifted or run. Idempotent: sending it again replaces the log (a retry logs once)."""
        return await log_session(user, await own_plan(user, plan_id), week, session, data)

    @delete(SESSION_LOG, operation_id="ClearSessionLog", status_code=HTTP_204_NO_CONTENT)
    async def delete_session_log(
        self, user: CurrentUser, plan_id: FromPath[UUID], week: FromPath[int], session: FromPath[int]
    ) -> None:
        """Undo a log: the session is open again."""
        await clear_log(await own_plan(user, plan_id), week, session)

    @post("/{plan_id:uuid}/activate", operation_id="ActivatePlan", status_code=HTTP_200_OK)
    async def activate(self, user: CurrentUser, plan_id: FromPath[UUID]) -> PlanOut:
        """Make this version the one in use (roll back to an earlier plan)."""
        plan = await activate_plan(user, plan_id)
        return plan_out(plan, plan.id)
