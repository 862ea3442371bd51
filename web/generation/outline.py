"""The plan's outline from the coach: its weeks must cover 1..n and its blocks' exercises must be ones
this person may do. A wrong answer is asked for again once; after that, weeks that do not cover the plan
fail the outline (a malformed answer), while exercises that are unknown or not allowed are dropped (a
block left with none is written from the catalogue freely)."""

from __future__ import annotations

import logging

from web.coach.base import Coach, CoachError, CoachErrorCode, Usage
from web.domain.brief import TrainingBrief
from web.domain.catalogue import allowed_exercises
from web.domain.plan import BlockOutline, PlanOutline
from web.domain.skeleton import Skeleton

log = logging.getLogger("web.generation.outline")
OUTLINE_ATTEMPTS = 2


def _allowed_ids(brief: TrainingBrief) -> set[str]:
    return {e.id for e in allowed_exercises(brief) if e.is_strength}


def outline_problems(brief: TrainingBrief, skeleton: Skeleton, outline: PlanOutline) -> tuple[bool, int]:
    """(its weeks cover 1..n, how many of its block entries and exercise ids cannot be used)."""
    covered = [w.number for w in outline.weeks] == list(range(1, brief.weeks + 1))
    allowed, numbers, seen, unusable = _allowed_ids(brief), {w.block for w in skeleton.weeks}, set(), 0
    for block in outline.blocks:
        unusable += block.number not in numbers or block.number in seen
        unusable += sum(1 for i in block.exercises if i not in allowed)
        seen.add(block.number)
    return covered, unusable


def usable_blocks(brief: TrainingBrief, skeleton: Skeleton, outline: PlanOutline) -> list[BlockOutline]:
    """The outline's blocks with only the exercises this person may do, each once, blocks of the plan."""
    allowed, numbers = _allowed_ids(brief), {w.block for w in skeleton.weeks}
    out: dict[int, BlockOutline] = {}
    for block in outline.blocks:
        ids = [i for i in dict.fromkeys(block.exercises) if i in allowed]
        if block.number in numbers and block.number not in out and ids:
            out[block.number] = block.model_copy(update={"exercises": ids})
    return list(out.values())


async def write_outline(brief: TrainingBrief, skeleton: Skeleton, coach: Coach) -> tuple[PlanOutline, Usage]:
    usage = Usage()
    covered, unusable = False, 0
    for attempt in range(1, OUTLINE_ATTEMPTS + 1):
        result = await coach.outline(brief)
        usage += result.usage
        outline = result.value
        covered, unusable = outline_problems(brief, skeleton, outline)
        if covered and (unusable == 0 or attempt == OUTLINE_ATTEMPTS):
            return outline.model_copy(update={"blocks": usable_blocks(brief, skeleton, outline)}), usage
        log.warning(
            "outline answer not usable as it is",
            extra={"attempt": attempt, "weeks": len(outline.weeks), "covered": covered, "unusable": unusable},
        )
    raise CoachError(CoachErrorCode.malformed, "the outline does not cover the plan's weeks", retryable=True)
