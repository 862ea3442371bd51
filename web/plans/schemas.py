"""What the API says about plans."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from web.domain.explain import weekly_load
from web.domain.plan import PlanContent, WeekLoad
from web.tables import Plan


class PlanOut(BaseModel):
    id: UUID
    version: int
    title: str
    weeks_count: int
    coach: str
    is_active: bool
    job_id: UUID | None
    created_at: dt.datetime
    content: PlanContent  # content.constraints: why this plan; content.skeleton: the weekly targets
    weekly_load: list[WeekLoad]  # hard sets and running km per week, deloads marked
    load_chart_url: str  # the same as an SVG chart


class PlanSummary(BaseModel):
    id: UUID
    version: int
    title: str
    weeks_count: int
    coach: str
    is_active: bool
    created_at: dt.datetime


def plan_out(plan: Plan, active_id: Any) -> PlanOut:
    return PlanOut(
        id=plan.id,
        version=plan.version,
        title=plan.title,
        weeks_count=plan.weeks_count,
        coach=plan.coach,
        is_active=plan.id == active_id,
        job_id=plan.job,
        created_at=plan.created_at,
        content=(content := PlanContent.model_validate(plan.content)),
        weekly_load=weekly_load(content.weeks),
        load_chart_url=f"/api/v1/plans/{plan.id}/load.svg",
    )


def plan_summary(plan: Plan, active_id: Any) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        version=plan.version,
        title=plan.title,
        weeks_count=plan.weeks_count,
        coach=plan.coach,
        is_active=plan.id == active_id,
        created_at=plan.created_at,
    )
