"""A cache in front of the LLM coach: an identical request (same model, brief, outline and week) is answered
from the database instead of paying for the LLM again. Repairs are never cached: they answer a failure.

The key carries a version of everything that shapes an answer (the prompts, the rules, the skeleton,
the catalogue and the answer schemas), so a change to any of them starts afresh. An entry is validated
and rule-checked when read: a stale or bad one is a miss, never a failure. A regeneration asks afresh
(`fresh_answers`), so "make a new plan" never hands back the same one at 0 tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from web import clock
from web.coach.base import Coach, Generated, PlaybookNotes, Usage
from web.db import is_unique_violation
from web.domain import rules
from web.domain.brief import TrainingBrief
from web.domain.plan import PlannedWeek, PlanOutline
from web.domain.skeleton import build_skeleton
from web.tables import CoachCache

log = logging.getLogger("web.coach.cache")
M = TypeVar("M", bound=BaseModel)


# Set for a regeneration: every answer is asked afresh (and the fresh one replaces the cached one).
fresh_answers: ContextVar[bool] = ContextVar("fresh_answers", default=False)
_WEB = Path(__file__).resolve().parents[1]
_VERSIONED = ("coach/prompts.py", "coach/prompt_targets.py", "domain/rules.py", "domain/rules_targets.py",
              "domain/skeleton.py", "domain/periods.py", "domain/volumes.py", "domain/exercises.json")  # fmt: skip


@cache
def answers_version() -> str:
    """A hash of what shapes an answer: prompts, rules, skeleton, catalogue and the answer schemas."""
    digest = hashlib.sha256()
    for name in _VERSIONED:
        digest.update((_WEB / name).read_bytes())
    for model in (PlanOutline, PlannedWeek, PlaybookNotes):
        digest.update(json.dumps(model.model_json_schema(), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def cache_key(model: str, kind: str, *parts: Any) -> str:
    payload = [answers_version(), model, kind]
    payload += [p.model_dump(mode="json") if isinstance(p, BaseModel) else p for p in parts]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class CachingCoach:
    def __init__(self, inner: Coach, *, model: str, ttl_hours: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = model
        self.ttl = dt.timedelta(hours=ttl_hours)

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        def covers(outline: PlanOutline) -> bool:  # fewer weeks than asked is a malformed answer
            return [w.number for w in outline.weeks] == list(range(1, brief.weeks + 1))

        return await self._cached(
            "outline", PlanOutline, lambda: self.inner.outline(brief), brief, keep=covers
        )

    async def week(self, brief, outline, number, previous) -> Generated[PlannedWeek]:
        return await self._cached(
            "week",
            PlannedWeek,
            lambda: self.inner.week(brief, outline, number, previous),
            brief,
            outline,
            number,
            previous,
            keep=lambda week: (
                week.number == number
                and not rules.check_week(brief, week, (), build_skeleton(brief).week(number))
            ),
        )

    async def repair_week(self, brief, outline, week, violations) -> Generated[PlannedWeek]:
        return await self.inner.repair_week(brief, outline, week, violations)

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return await self._cached("playbook", PlaybookNotes, lambda: self.inner.playbook(brief), brief)

    async def _cached(
        self, kind: str, model: type[M], call: Callable[[], Awaitable[Generated[M]]], *parts, keep=None
    ) -> Generated[M]:
        key = cache_key(self.model, kind, *parts)
        since = clock.now() - self.ttl
        row = (
            await CoachCache.select(CoachCache.value)
            .where((CoachCache.key == key) & (CoachCache.created_at > since))
            .output(load_json=True)
            .first()
        )
        hit = None if row is None or fresh_answers.get() else _valid(model, row["value"], keep)
        if hit is not None:
            log.info("coach cache hit", extra={"kind": kind})
            return Generated(hit, Usage())
        result = await call()
        if keep is not None and not keep(result.value):
            return result  # a week that breaks the rules is repaired, never served to the next person
        try:
            await CoachCache.delete().where(CoachCache.key == key)
            await CoachCache(
                key=key,
                kind=kind,
                value=result.value.model_dump(mode="json"),
                created_at=clock.now(),
            ).save()
        except Exception as exc:  # a cache that cannot write must never cost the answer
            if not is_unique_violation(exc):
                log.warning("coach cache write failed", extra={"error_type": type(exc).__name__})
        return result


def _valid(model: type[M], value: Any, keep: Callable[[M], bool] | None) -> M | None:
    """A cached answer that still parses and passes today's checks, else None (a miss)."""
    try:
        answer = model.model_validate(value)
    except ValidationError:
        return None
    return answer if keep is None or keep(answer) else None
