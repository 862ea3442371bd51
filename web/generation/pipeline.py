"""One generation, start to saved plan: outline, weeks (bounded parallel), rules, repair, fallback, save.

Depends on the Coach protocol only. Checkpoints the outline and each finished week on the job row, so
a job resumed after a crash or restart pays for nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from web.clock import now
from web.coach.base import Coach, CoachError, Usage
from web.db import write_transaction
from web.domain import rules
from web.domain.brief import TrainingBrief
from web.domain.plan import PlanContent, PlannedWeek, PlanOutline
from web.generation.progress import Notifier, append_event, event_payload
from web.observability import Metrics
from web.tables import GenerationJob

log = logging.getLogger("web.generation.pipeline")


class GenerationFailed(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class PipelineDeps:
    coach: Coach
    fallback: Coach | None  # the offline coach, when falling back is enabled and the primary is the LLM
    notifier: Notifier
    metrics: Metrics
    week_parallelism: int = 3


@dataclass
class Outcome:
    content: PlanContent
    coach: str
    usage: Usage


class Progress:
    """Moves the job's stage and percent, storing an event for each step."""

    def __init__(self, job: GenerationJob, notifier: Notifier) -> None:
        self.job = job
        self.notifier = notifier

    async def stage(self, stage: str, text: str, percent: int, type_: str = "stage", **extra: Any) -> None:
        job = self.job
        job.stage, job.stage_text, job.percent = stage, text, max(job.percent, percent)
        at = now()
        async with write_transaction():
            values: dict[Any, Any] = {
                GenerationJob.stage: stage,
                GenerationJob.stage_text: text,
                GenerationJob.percent: job.percent,
                GenerationJob.updated_at: at,
            }
            if "checkpoint" in extra:
                values[GenerationJob.checkpoint] = extra.pop("checkpoint")
            await GenerationJob.update(values).where(GenerationJob.id == job.id)
            await append_event(job.id, type_, event_payload(job, **extra), at)
        await self.notifier.notify(job.id)


async def run_pipeline(job: GenerationJob, deps: PipelineDeps) -> Outcome:
    brief = TrainingBrief.model_validate(job.brief)
    checkpoint: dict[str, Any] = dict(job.checkpoint or {})
    progress = Progress(job, deps.notifier)
    await progress.stage("reading", "Reading your answers", 5)
    coach = deps.coach
    if checkpoint.get("coach") and deps.fallback and checkpoint["coach"] == _fallback_label(deps.fallback):
        coach = deps.fallback  # an earlier attempt had already fallen back
    try:
        return await _write_plan(brief, coach, checkpoint, progress, deps)
    except (CoachError, GenerationFailed) as exc:
        code = exc.code if isinstance(exc, GenerationFailed) else exc.code.value
        if deps.fallback is None or coach is deps.fallback:
            raise GenerationFailed(code, str(exc)) from exc
        log.warning("primary coach failed; using the offline coach", extra={"code": code})
        await progress.stage(
            "fallback", "Our AI coach is unavailable, so our built-in coach is writing your plan", 12
        )
        checkpoint = {}
        return await _write_plan(brief, deps.fallback, checkpoint, progress, deps)


def _fallback_label(coach: Coach) -> str:
    return f"{coach.name} (fallback)"


async def _write_plan(
    brief, coach: Coach, checkpoint: dict, progress: Progress, deps: PipelineDeps
) -> Outcome:
    label = coach.name if coach is deps.coach else _fallback_label(coach)
    usage = Usage()
    n = brief.weeks
    if checkpoint.get("coach") != label:
        checkpoint.clear()
        checkpoint["coach"] = label
    if "outline" in checkpoint:
        outline = PlanOutline.model_validate(checkpoint["outline"])
    else:
        result = await coach.outline(brief)
        outline, usage = result.value, usage + result.usage
        checkpoint["outline"] = outline.model_dump(mode="json")
        checkpoint.setdefault("weeks", {})
    await progress.stage("planning", f"Planning your {n} weeks", 10, checkpoint=dict(checkpoint))
    weeks, week_usage = await _write_weeks(brief, outline, coach, checkpoint, progress, deps.week_parallelism)
    usage += week_usage
    await progress.stage("checking", "Checking the plan", 88)
    content = PlanContent(
        title=outline.title, summary=outline.summary, weeks=weeks, guidance=_guidance(brief)
    )
    content, repair_usage = await _check_and_repair(brief, outline, content, coach)
    return Outcome(content=content, coach=label, usage=usage + repair_usage)


async def _write_weeks(
    brief, outline, coach, checkpoint, progress, parallelism
) -> tuple[list[PlannedWeek], Usage]:
    n = brief.weeks
    done: dict[int, PlannedWeek] = {
        int(k): PlannedWeek.model_validate(v) for k, v in (checkpoint.get("weeks") or {}).items()
    }
    usage = Usage()
    gate = asyncio.Semaphore(parallelism)
    lock = asyncio.Lock()  # one progress write at a time keeps event ids and percent in step

    async def one(number: int) -> None:
        nonlocal usage
        async with gate:
            async with lock:
                await progress.stage("writing", f"Writing week {number} of {n}", _week_percent(len(done), n))
            result = await coach.week(brief, outline, number, None)
        async with lock:
            done[number] = result.value
            usage += result.usage
            checkpoint.setdefault("weeks", {})[str(number)] = result.value.model_dump(mode="json")
            await progress.stage(
                "writing",
                f"Week {number} of {n} is ready",
                _week_percent(len(done), n),
                type_="week",
                week=result.value.model_dump(mode="json"),
                weeks_done=len(done),
                weeks_total=n,
                checkpoint=dict(checkpoint),
            )

    try:
        async with asyncio.TaskGroup() as group:
            for number in range(1, n + 1):
                if number not in done:
                    group.create_task(one(number))
    except BaseExceptionGroup as group_error:
        # The first week that failed stands for all: its siblings were cancelled with it.
        raise _first_cause(group_error) from None
    return [done[k] for k in range(1, n + 1)], usage


def _first_cause(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_cause(first) if isinstance(first, BaseExceptionGroup) else first


def _week_percent(done: int, total: int) -> int:
    return 15 + int(70 * done / max(total, 1))


async def _check_and_repair(brief, outline, content: PlanContent, coach: Coach) -> tuple[PlanContent, Usage]:
    violations = rules.check_plan(brief, content)
    if not violations:
        return content, Usage()
    log.info(
        "plan broke training rules; one repair round", extra={"violations": [v.code for v in violations]}
    )
    if any(v.week is None for v in violations):
        raise GenerationFailed(
            "plan_invalid", "plan-level violations: " + ",".join(v.code for v in violations)
        )
    by_week: dict[int, list[str]] = {}
    for v in violations:
        by_week.setdefault(v.week, []).append(v.message)
    weeks = list(content.weeks)
    usage = Usage()
    for number, messages in sorted(by_week.items()):
        result = await coach.repair_week(brief, outline, weeks[number - 1], messages)
        weeks[number - 1], usage = result.value, usage + result.usage
    repaired = content.model_copy(update={"weeks": weeks})
    remaining = rules.check_plan(brief, repaired)
    if remaining:
        raise GenerationFailed("plan_invalid", "after repair: " + ",".join(v.code for v in remaining))
    return repaired, usage


def _guidance(brief: TrainingBrief) -> list[str]:
    tips = [
        "Warm up for 5-10 minutes before each session.",
        "RPE is effort out of 10: RPE 7 means about three more reps were possible.",
        "If something hurts (sharp or joint pain, not muscle effort), stop that exercise and pick an easier one.",
    ]
    if brief.weeks >= 6:
        tips.append("Deload weeks are lighter on purpose: they let your body absorb the training.")
    return tips
