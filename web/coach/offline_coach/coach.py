"""The offline coach behind the Coach protocol: deterministic, zero tokens, every week to its target."""

from __future__ import annotations

from functools import lru_cache

from web.coach.base import Generated, PlaybookNotes, Usage
from web.coach.offline_coach.outline import build_outline as _outline
from web.coach.offline_coach.playbook import build_playbook
from web.coach.offline_coach.week import Layout, choose_blocks, plan_layout, write_week
from web.domain.brief import TrainingBrief
from web.domain.explain import explain
from web.domain.plan import PlanContent, PlannedWeek, PlanOutline
from web.domain.skeleton import Skeleton, build_skeleton


@lru_cache(maxsize=64)
def _plan_frame(brief_json: str) -> tuple[TrainingBrief, Skeleton, Layout, dict[int, tuple[str, ...]]]:
    brief = TrainingBrief.model_validate_json(brief_json)
    skeleton = build_skeleton(brief)
    layout = plan_layout(brief, skeleton)
    return brief, skeleton, layout, choose_blocks(brief, skeleton, layout)


def frame(brief: TrainingBrief) -> tuple[Skeleton, Layout]:
    """The brief's skeleton and weekly layout (cached: the same brief always gives the same plan)."""
    _, skeleton, layout, _ = _plan_frame(brief.model_dump_json())
    return skeleton, layout


def own_blocks(brief: TrainingBrief) -> dict[int, tuple[str, ...]]:
    """The exercises this coach chooses for each block of the brief's plan."""
    return _plan_frame(brief.model_dump_json())[3]


def build_outline(brief: TrainingBrief) -> PlanOutline:
    skeleton, layout = frame(brief)
    return _outline(brief, skeleton, layout, own_blocks(brief))


def build_week(brief: TrainingBrief, number: int, chosen: tuple[str, ...] | None = None) -> PlannedWeek:
    """Week `number`, written from its skeleton target and its block's exercises (`chosen`: an
    outline's choice; None: this coach's own)."""
    skeleton, layout = frame(brief)
    if not 1 <= number <= len(skeleton.weeks):
        raise ValueError(f"week {number} is outside a {len(skeleton.weeks)}-week plan")
    target = skeleton.week(number)
    if chosen is None or chosen == own_blocks(brief).get(target.block):
        chosen = ()  # this coach's own choice: what its picker chooses unprompted
    return write_week(brief, target, layout, chosen)


def build_plan(brief: TrainingBrief) -> PlanContent:
    skeleton, _ = frame(brief)
    outline = build_outline(brief)
    weeks = [build_week(brief, n) for n in range(1, brief.weeks + 1)]
    return PlanContent(
        title=outline.title,
        summary=outline.summary,
        weeks=weeks,
        skeleton=skeleton,
        from_your_words=[*brief.understood, *skeleton.notes],
        not_understood=list(brief.unparsed),
        constraints=explain(brief, weeks),
    )


class OfflineCoach:
    """Deterministic plans with zero token usage; every week it writes passes the rules and its target."""

    name = "offline"

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        return Generated(build_outline(brief), Usage())

    async def week(
        self, brief: TrainingBrief, outline: PlanOutline, number: int, previous: PlannedWeek | None = None
    ) -> Generated[PlannedWeek]:
        target_block = frame(brief)[0].week(number).block if 1 <= number <= brief.weeks else None
        block = outline.block(target_block) if target_block is not None else None
        week = build_week(brief, number, tuple(block.exercises) if block is not None else None)
        planned = next((w for w in outline.weeks if w.number == number), None)
        if planned is not None and planned.is_deload == week.is_deload:
            week.theme = planned.theme  # the outline's theme, when it agrees
        return Generated(week, Usage())

    async def repair_week(
        self, brief: TrainingBrief, outline: PlanOutline, week: PlannedWeek, violations: list[str]
    ) -> Generated[PlannedWeek]:
        return await self.week(brief, outline, week.number)

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return Generated(build_playbook(brief), Usage())
