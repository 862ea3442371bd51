"""Plan versions: the atomic save, reading, and rollback."""

from __future__ import annotations

import logging
import uuid

from web.analytics import write_event
from web.clock import now
from web.db import write_transaction
from web.domain.plan import PlanContent
from web.errors import NotFound
from web.plans.calendar import plan_ics
from web.plans.log import start_date_of
from web.tables import Plan, User, UserProfile

log = logging.getLogger("web.plans")


async def current_plan(user: User) -> Plan:
    profile = await UserProfile.objects().where(UserProfile.user == user.id).first()
    if profile is None or profile.active_plan_id is None:
        raise NotFound("You have no plan yet. Generate one first.", code="plan_not_found")
    return await own_plan(user, profile.active_plan_id)


async def own_plan(user: User, plan_id: uuid.UUID) -> Plan:
    plan = (
        await Plan.objects()
        .where((Plan.id == plan_id) & (Plan.user == user.id))
        .output(load_json=True)
        .first()
    )
    if plan is None:
        raise NotFound("No plan with this id belongs to your account.", code="plan_not_found")
    return plan


async def list_plans(user: User) -> tuple[list[Plan], uuid.UUID | None]:
    plans = (
        await Plan.objects()
        .where(Plan.user == user.id)
        .order_by(Plan.version, ascending=False)
        .output(load_json=True)
    )
    profile = await UserProfile.objects().where(UserProfile.user == user.id).first()
    return plans, profile.active_plan_id if profile else None


async def activate_plan(user: User, plan_id: uuid.UUID) -> Plan:
    plan = await own_plan(user, plan_id)
    async with write_transaction():
        await UserProfile.update({UserProfile.active_plan_id: plan.id, UserProfile.updated_at: now()}).where(
            UserProfile.id == plan.profile
        )
        await write_event("plan_activated", user.id, version=plan.version)
    log.info("plan activated", extra={"plan_id": str(plan.id), "version": plan.version})
    return plan


async def plan_calendar(plan: Plan) -> str:
    """The plan as an iCalendar file, its sessions dated from the plan's first day."""
    content = PlanContent.model_validate(plan.content)
    return plan_ics(content, plan.id, await start_date_of(plan), plan.created_at)
