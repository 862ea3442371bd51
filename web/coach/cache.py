"""A cache in front of the LLM coach: an identical request (same model, brief, outline and week) is answered
from the database instead of paying for the LLM again. Repairs are never cached: they answer a failure."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from web.coach.base import Coach, Generated, PlaybookNotes, Usage
from web.db import is_unique_violation
from web.domain import rules
from web.domain.brief import TrainingBrief
from web.domain.plan import PlannedWeek, PlanOutline
from web.tables import CoachCache

log = logging.getLogger("web.coach.cache")
M = TypeVar("M", bound=BaseModel)


def cache_key(model: str, kind: str, *parts: Any) -> str:
    payload = [model, kind, *(p.model_dump(mode="json") if isinstance(p, BaseModel) else p for p in parts)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class CachingCoach:
    def __init__(self, inner: Coach, *, model: str, ttl_hours: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = model
        self.ttl = dt.timedelta(hours=ttl_hours)

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        return await self._cached("outline", PlanOutline, lambda: self.inner.outline(brief), brief)

    async def week(self, brief, outline, number, previous) -> Generated[PlannedWeek]:
        return await self._cached(
            "week",
            PlannedWeek,
            lambda: self.inner.week(brief, outline, number, previous),
            brief,
            outline,
            number,
            previous,
            keep=lambda week: not rules.check_week(brief, week),
        )

    async def repair_week(self, brief, outline, week, violations) -> Generated[PlannedWeek]:
        return await self.inner.repair_week(brief, outline, week, violations)

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return await self._cached("playbook", PlaybookNotes, lambda: self.inner.playbook(brief), brief)

    async def _cached(
        self, kind: str, model: type[M], call: Callable[[], Awaitable[Generated[M]]], *parts, keep=None
    ) -> Generated[M]:
        key = cache_key(self.model, kind, *parts)
        since = dt.datetime.now(dt.UTC) - self.ttl
        row = (
            await CoachCache.select(CoachCache.value)
            .where((CoachCache.key == key) & (CoachCache.created_at > since))
            .output(load_json=True)
            .first()
        )
        if row is not None:
            log.info("coach cache hit", extra={"kind": kind})
            return Generated(model.model_validate(row["value"]), Usage())
        result = await call()
        if keep is not None and not keep(result.value):
            return result  # a week that breaks the rules is repaired, never served to the next person
        try:
            await CoachCache.delete().where(CoachCache.key == key)
            await CoachCache(
                key=key,
                kind=kind,
                value=result.value.model_dump(mode="json"),
                created_at=dt.datetime.now(dt.UTC),
            ).save()
        except Exception as exc:  # a cache that cannot write must never cost the answer
            if not is_unique_violation(exc):
                log.warning("coach cache write failed", extra={"error_type": type(exc).__name__})
        return result
