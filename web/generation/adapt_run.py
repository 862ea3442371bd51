"""Writing a changed plan version (web/generation/adapt.py queues them): the weeks the change rewrites go
through the pipeline's week writer (either coach, the rules, repair, fallback, checkpoints); every other
week is kept as it was. A swap needs no coach: it is applied and checked."""

from __future__ import annotations

from web.coach.base import Coach, Usage
from web.coach.cache import fresh_answers
from web.domain import rules
from web.domain.adapt import merged_skeleton, outline_of, swapped
from web.domain.brief import TrainingBrief
from web.domain.catalogue import get_exercise
from web.domain.explain import explain
from web.domain.plan import Adaptation, PlanContent
from web.generation.adapt import AdaptSpec
from web.generation.pipeline import (
    GenerationFailed,
    Outcome,
    PipelineDeps,
    Progress,
    WeekWriter,
    fallback_label,
    with_fallback,
    write_weeks,
)
from web.tables import GenerationJob, Plan

_READING = {
    "adjust": "Reading your training log",
    "redo_week": "Reading your week",
    "swap": "Finding the swap",
}


async def run_adaptation(job: GenerationJob, deps: PipelineDeps) -> Outcome:
    spec = AdaptSpec.model_validate(job.request["adapt"])
    base = await Plan.objects().where(Plan.id == spec.plan_id).output(load_json=True).first()
    if base is None:
        raise GenerationFailed("plan_not_found", "the plan version to change is gone")
    content = PlanContent.model_validate(base.content)
    brief = TrainingBrief.model_validate(job.brief)
    adaptation = Adaptation(
        kind=spec.kind, from_version=spec.from_version, weeks=spec.weeks, changes=spec.changes
    )
    fresh_answers.set(False)
    if spec.kind == "swap":
        return await _swap(job, deps, spec, base, content, brief, adaptation)

    async def write(coach: Coach, checkpoint: dict, progress: Progress) -> Outcome:
        return await _rewrite(brief, content, spec, adaptation, coach, checkpoint, progress, deps)

    return await with_fallback(job, deps, write, reading=_READING[spec.kind])


async def _rewrite(
    brief, content: PlanContent, spec: AdaptSpec, adaptation, coach, checkpoint, progress, deps
):
    label = coach.name if coach is deps.coach else fallback_label(coach)
    skeleton = merged_skeleton(content.skeleton, brief, spec.weeks)
    outline = outline_of(content, skeleton, brief)
    if checkpoint.get("coach") != label:
        checkpoint.clear()
        checkpoint["coach"] = label
    # The weeks kept go in as finished: the writer writes only the others (and a resumed attempt only
    # those it had not finished).
    kept = {str(w.number): w.model_dump(mode="json") for w in content.weeks if w.number not in spec.weeks}
    checkpoint["weeks"] = {**(checkpoint.get("weeks") or {}), **kept}
    which = f"week {spec.weeks[0]}" if len(spec.weeks) == 1 else f"weeks {spec.weeks[0]}-{spec.weeks[-1]}"
    await progress.stage("planning", f"Planning {which} again", 10, checkpoint=dict(checkpoint))
    writer = WeekWriter(brief, outline, skeleton, coach, deps.week_fallback, deps.llm_gate)
    weeks, usage = await write_weeks(writer, checkpoint, progress, deps.week_parallelism)
    await progress.stage("checking", "Checking the plan", 88)
    rewritten = [w for w in weeks if w.number in spec.weeks]
    fallback = (set(content.fallback_weeks) - set(spec.weeks)) | writer.fallback_weeks
    changed = content.model_copy(
        update={
            "weeks": weeks,
            "skeleton": skeleton,
            "fallback_weeks": sorted(fallback),
            "constraints": explain(brief, rewritten) if spec.kind == "adjust" else content.constraints,
            "adaptation": adaptation,
        }
    )
    _check(brief, changed, spec.weeks)
    return Outcome(content=changed, coach=label, usage=usage)


async def _swap(job, deps, spec: AdaptSpec, base: Plan, content, brief, adaptation) -> Outcome:
    progress = Progress(job, deps.notifier)
    await progress.stage("writing", _READING["swap"], 40)
    new = get_exercise(spec.swap_to or "")
    if new is None or spec.swap_from is None:
        raise GenerationFailed("plan_invalid", "the swap names an exercise the catalogue does not have")
    changed, weeks = swapped(content, spec.weeks[0], spec.swap_from, new, keep=spec.keep)
    await progress.stage("checking", "Checking the plan", 88)
    changed = changed.model_copy(update={"adaptation": adaptation})
    _check(brief, changed, weeks)
    return Outcome(content=changed, coach=base.coach, usage=Usage())


def _check(brief: TrainingBrief, content: PlanContent, weeks: list[int]) -> None:
    broken = rules.check_rewritten(brief, content, weeks)
    if broken:
        raise GenerationFailed("plan_invalid", "after the change: " + ",".join(v.code for v in broken))
