"""One generation, start to saved plan: outline, weeks (bounded parallel), rules, repair, fallback, save.

Depends on the Coach protocol only. Checkpoints the outline and each finished week on the job row, so
a job resumed after a crash or restart pays for nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from web.clock import now
from web.coach.base import Coach, CoachError, Usage
from web.coach.cache import fresh_answers
from web.coach.gate import AdaptiveGate
from web.db import with_retries, write_transaction
from web.domain import rules
from web.domain.brief import TrainingBrief
from web.domain.explain import explain
from web.domain.plan import PlanContent, PlannedWeek, PlanOutline
from web.domain.rules_targets import check_block_choice
from web.domain.skeleton import build_skeleton
from web.generation.outline import write_outline
from web.generation.progress import LeaseLost, Notifier, append_event, event_payload, fenced
from web.observability import Metrics
from web.tables import GenerationJob

log = logging.getLogger("web.generation.pipeline")
WEEK_MAX_ATTEMPTS = 2
PROGRESS_WRITE_ATTEMPTS = 6  # with backoff: ~3 s of waiting on top of the database's own busy timeout  # answers asked for one week before the fallback coach writes it


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
    week_parallelism: int = 16
    week_fallback: Coach | None = None  # writes a week whose LLM answers kept failing (the offline coach)
    # LLM calls in flight across all jobs of this process: LLM_MAX_CONCURRENCY, halved on 429s.
    llm_gate: AdaptiveGate = field(default_factory=lambda: AdaptiveGate(32))
    # Told when a job this runner ran has succeeded or failed (Web Push), best effort and on the side.
    on_ended: Any = None


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
        checkpoint = extra.pop("checkpoint", None)

        async def write() -> None:
            async with write_transaction():
                values: dict[Any, Any] = {
                    GenerationJob.stage: stage,
                    GenerationJob.stage_text: text,
                    GenerationJob.percent: job.percent,
                    GenerationJob.updated_at: at,
                }
                if checkpoint is not None:
                    values[GenerationJob.checkpoint] = checkpoint
                owned = await GenerationJob.update(values).where(fenced(job)).returning(GenerationJob.id)
                if not owned:
                    raise LeaseLost(f"job {job.id} attempt {job.attempts}")
                await append_event(job.id, type_, event_payload(job, **extra), at)

        # A locked or briefly unreachable database is ridden out, not turned into a failed job.
        await with_retries(write, attempts=PROGRESS_WRITE_ATTEMPTS, what="progress")
        await self.notifier.notify(job.id)


async def run_pipeline(job: GenerationJob, deps: PipelineDeps) -> Outcome:
    brief = TrainingBrief.model_validate(job.brief)
    fresh_answers.set(job.kind == "regenerate")  # a new version is written afresh, never from the cache

    async def write(coach: Coach, checkpoint: dict, progress: Progress) -> Outcome:
        return await _write_plan(brief, coach, checkpoint, progress, deps)

    return await with_fallback(job, deps, write)


async def with_fallback(
    job: GenerationJob, deps: PipelineDeps, write, reading: str = "Reading your answers"
) -> Outcome:
    """`write(coach, checkpoint, progress)` with the primary coach; if it fails, again from the start with
    the offline coach (at once, when an earlier attempt had already fallen back)."""
    checkpoint: dict[str, Any] = dict(job.checkpoint or {})
    progress = Progress(job, deps.notifier)
    await progress.stage("reading", reading, 5)
    coach = deps.coach
    if checkpoint.get("coach") and deps.fallback and checkpoint["coach"] == fallback_label(deps.fallback):
        coach = deps.fallback
    try:
        return await write(coach, checkpoint, progress)
    except (CoachError, GenerationFailed) as exc:
        code = exc.code if isinstance(exc, GenerationFailed) else exc.code.value
        if deps.fallback is None or coach is deps.fallback:
            raise GenerationFailed(code, str(exc)) from exc
        log.warning("primary coach failed; using the offline coach", extra={"code": code})
        await progress.stage(
            "fallback", "Our AI coach is unavailable, so our built-in coach is writing your plan", 12
        )
        return await write(deps.fallback, {}, progress)


def fallback_label(coach: Coach) -> str:
    return f"{coach.name} (fallback)"


async def _write_plan(
    brief, coach: Coach, checkpoint: dict, progress: Progress, deps: PipelineDeps
) -> Outcome:
    label = coach.name if coach is deps.coach else fallback_label(coach)
    usage = Usage()
    n = brief.weeks
    skeleton = build_skeleton(brief)  # the targets every week is written against
    if checkpoint.get("coach") != label:
        checkpoint.clear()
        checkpoint["coach"] = label
    if "outline" in checkpoint:
        outline = PlanOutline.model_validate(checkpoint["outline"])
    else:
        await progress.stage("planning", f"Planning your {n} weeks", 8)
        outline, usage = await write_outline(brief, skeleton, coach)
        checkpoint["outline"] = outline.model_dump(mode="json")
        checkpoint.setdefault("weeks", {})
    await progress.stage("planning", f"Planning your {n} weeks", 10, checkpoint=dict(checkpoint))
    writer = WeekWriter(brief, outline, skeleton, coach, deps.week_fallback, deps.llm_gate)
    weeks, week_usage = await write_weeks(writer, checkpoint, progress, deps.week_parallelism)
    usage += week_usage
    await progress.stage("checking", "Checking the plan", 88)
    content = PlanContent(
        title=outline.title,
        summary=_summary(outline.summary, writer.fallback_weeks),
        weeks=weeks,
        guidance=_guidance(brief),
        skeleton=skeleton,
        fallback_weeks=sorted(writer.fallback_weeks),
        from_your_words=[*brief.understood, *skeleton.notes],
        not_understood=list(brief.unparsed),
        constraints=explain(brief, weeks),
    )
    remaining = rules.check_plan(brief, content)  # the safety net over the whole plan
    if remaining:
        raise GenerationFailed("plan_invalid", "after the weeks: " + ",".join(v.code for v in remaining))
    return Outcome(content=content, coach=label, usage=usage)


def _summary(summary: str, fallback_weeks: set[int]) -> str:
    if not fallback_weeks:
        return summary
    listed = ", ".join(str(n) for n in sorted(fallback_weeks))
    note = f" Week{'s' if len(fallback_weeks) > 1 else ''} {listed} written by our built-in coach."
    return (summary[: 600 - len(note)] + note)[:600]


class WeekWriter:
    """Writes one week against its target: the coach's answer, checked; a rule break goes back once with
    its violations, a malformed or failed answer is asked again; a week that still fails is written by
    the fallback coach under the same target (and listed). The server sets the week number."""

    def __init__(self, brief, outline, skeleton, coach: Coach, fallback: Coach | None, gate) -> None:
        self.brief, self.outline, self.skeleton = brief, outline, skeleton
        self.coach, self.fallback, self.gate = coach, fallback, gate
        self.fallback_weeks: set[int] = set()

    def violations(self, week: PlannedWeek, chosen: bool = True) -> list[str]:
        target = self.skeleton.week(week.number)
        found = rules.check_week(self.brief, week, (), target)
        if chosen:
            block = self.outline.block(target.block)
            found += check_block_choice(week, block.exercises if block is not None else ())
        return [v.message for v in found]

    async def write(self, number: int) -> tuple[PlannedWeek, Usage]:
        usage, week, problems, failure = Usage(), None, [], None
        for attempt in range(1, WEEK_MAX_ATTEMPTS + 1):
            try:
                async with self.gate:
                    if week is not None and problems:  # a rule break: repair it, naming the violations
                        result = await self.coach.repair_week(self.brief, self.outline, week, problems)
                    else:
                        result = await self.coach.week(self.brief, self.outline, number, None)
            except CoachError as exc:
                failure = exc
                log.warning(
                    "week answer failed", extra={"week": number, "code": exc.code.value, "attempt": attempt}
                )
                week, problems = None, []
                continue
            usage += result.usage
            week = result.value.model_copy(update={"number": number})  # the server knows the number
            problems = self.violations(week)
            if not problems:
                return week, usage
            log.info("week broke rules", extra={"week": number, "attempt": attempt, "count": len(problems)})
        if self.fallback is None:
            if failure is not None and week is None:
                raise failure
            if week is not None and not self.violations(week, chosen=False):
                return week, usage  # it keeps every rule and missed only the block's lifts: better than none
            raise GenerationFailed("plan_invalid", f"week {number} could not be written to its rules")
        result = await self.fallback.week(self.brief, self.outline, number, None)
        if self.violations(result.value, chosen=False):  # the outline's exercises did not fit: its own
            own_choice = self.outline.model_copy(update={"blocks": []})
            result = await self.fallback.week(self.brief, own_choice, number, None)
        self.fallback_weeks.add(number)
        return result.value.model_copy(update={"number": number}), usage


async def write_weeks(
    writer: WeekWriter, checkpoint: dict, progress: Progress, parallelism: int
) -> tuple[list[PlannedWeek], Usage]:
    n = writer.brief.weeks
    done: dict[int, PlannedWeek] = {
        int(k): PlannedWeek.model_validate(v) for k, v in (checkpoint.get("weeks") or {}).items()
    }
    writer.fallback_weeks.update(int(k) for k in checkpoint.get("fallback_weeks") or [])
    usage = Usage()
    gate = asyncio.Semaphore(parallelism)
    lock = asyncio.Lock()  # one progress write at a time keeps event ids and percent in step

    async def one(number: int) -> None:
        nonlocal usage
        async with gate:
            async with lock:
                await progress.stage("writing", f"Writing week {number} of {n}", _week_percent(len(done), n))
            week, week_usage = await writer.write(number)
        async with lock:
            done[number] = week
            usage += week_usage
            checkpoint.setdefault("weeks", {})[str(number)] = week.model_dump(mode="json")
            checkpoint["fallback_weeks"] = sorted(writer.fallback_weeks)
            await progress.stage(
                "writing",
                f"Week {number} of {n} is ready",
                _week_percent(len(done), n),
                type_="week",
                week=week.model_dump(mode="json"),
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
        raise _first_cause(group_error) from None
    return [done[k] for k in range(1, n + 1)], usage


def _first_cause(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_cause(first) if isinstance(first, BaseExceptionGroup) else first


def _week_percent(done: int, total: int) -> int:
    return 15 + int(70 * done / max(total, 1))


def _guidance(brief: TrainingBrief) -> list[str]:
    tips = [
        "Warm up for 5-10 minutes before each session.",
        "RPE is effort out of 10: RPE 7 means about three more reps were possible.",
        "If something hurts (sharp or joint pain, not muscle effort), stop that exercise and pick an easier one.",
    ]
    if brief.weeks >= 6:
        tips.append("Deload weeks are lighter on purpose: they let your body absorb the training.")
    return tips
