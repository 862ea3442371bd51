"""Every persona's plan changed every way a person can change it, through the real week writer and the
offline coach `make run` uses: each change passes the rules on the weeks it rewrote, keeps the others,
and does what it says (fewer sessions, no exercise that loads a sore part, the week's kit and days)."""

from __future__ import annotations

import asyncio

import pytest

from tests.quality.personas import PERSONAS
from tests.quality.test_personas import brief_of
from web.coach.gate import AdaptiveGate
from web.coach.offline_coach import build_plan
from web.coach.offline_coach.coach import OfflineCoach
from web.domain import rules
from web.domain.adapt import (
    LoggedSession,
    adjusted_brief,
    alternatives,
    constrained_brief,
    merged_skeleton,
    outline_of,
    swapped,
)
from web.domain.catalogue import get_exercise, is_allowed
from web.domain.enums import Equipment, Injury, Weekday
from web.domain.plan import PlanContent
from web.generation.pipeline import WeekWriter

COACH = OfflineCoach()
IDS = [p[0] for p in PERSONAS]


def _rewrite(brief, content: PlanContent, numbers: list[int]) -> PlanContent:
    """The weeks `numbers` written again for `brief` as the runner does it (web/generation/adapt_run.py)."""
    skeleton = merged_skeleton(content.skeleton, brief, numbers)
    writer = WeekWriter(brief, outline_of(content, skeleton, brief), skeleton, COACH, None, AdaptiveGate(4))

    async def write():
        return {n: (await writer.write(n))[0] for n in numbers}

    new = asyncio.run(write())
    weeks = [new.get(w.number, w) for w in content.weeks]
    changed = content.model_copy(update={"weeks": weeks, "skeleton": skeleton})
    broken = rules.check_rewritten(brief, changed, numbers)
    assert broken == [], [v.message for v in broken]
    return changed


@pytest.mark.parametrize(("name", "info", "answers"), PERSONAS, ids=IDS)
def test_adjusting_for_pain_missed_sessions_and_hard_effort(name, info, answers) -> None:
    brief = brief_of(info, answers)
    content = build_plan(brief)
    if brief.weeks < 3:
        pytest.skip("a plan of under 3 weeks has nothing after week 2 to adjust")
    sore = next(
        (i for i in (Injury.knee, Injury.shoulder, Injury.lower_back) if i not in brief.injuries), None
    )
    log = [LoggedSession(1, "done", 9, sore), LoggedSession(1, "done", 9)] + [LoggedSession(1, "missed")] * 3
    new_brief, changes = adjusted_brief(brief, log)
    assert new_brief.effort == -1 and len(changes) >= 2
    assert sore is None or sore in new_brief.injuries
    ahead = list(range(3, brief.weeks + 1))
    changed = _rewrite(new_brief, content, ahead)
    assert changed.weeks[:2] == content.weeks[:2]
    for week in changed.weeks[2:]:
        assert len(week.sessions) in (new_brief.sessions_per_week, new_brief.sessions_per_week - 1)
        for item in (i for s in week.sessions for i in s.exercises):
            assert sore not in get_exercise(item.exercise_id).contraindications, (week.number, item.name)


KITS = {"no kit": [], "dumbbells only": [Equipment.dumbbells]}


@pytest.mark.parametrize("kit", list(KITS), ids=list(KITS))
@pytest.mark.parametrize(("name", "info", "answers"), PERSONAS, ids=IDS)
def test_redoing_a_week_for_two_days_and_other_kit(name, info, answers, kit) -> None:
    brief = brief_of(info, answers)
    content = build_plan(brief)
    days = [Weekday.tue, Weekday.sat]
    week_brief, said = constrained_brief(brief, days, KITS[kit])
    number = min(2, brief.weeks)
    changed = _rewrite(week_brief, content, [number])
    assert [w for w in changed.weeks if w.number != number] == [
        w for w in content.weeks if w.number != number
    ]
    week = changed.weeks[number - 1]
    assert {s.day for s in week.sessions} <= set(days) and said
    for item in (i for s in week.sessions for i in s.exercises):
        assert set(get_exercise(item.exercise_id).equipment) <= set(KITS[kit]), item.name


@pytest.mark.parametrize(("name", "info", "answers"), PERSONAS, ids=IDS)
def test_every_swap_offered_stands_in_for_the_same_movement(name, info, answers) -> None:
    brief = brief_of(info, answers)
    content = build_plan(brief)
    kept = 0
    for session in content.weeks[0].sessions:
        ids = [i.exercise_id for i in session.exercises]
        for item in session.exercises:
            old = get_exercise(item.exercise_id)
            for option in alternatives(brief, item.exercise_id, ids):
                assert option.pattern == old.pattern and option.kind == old.kind and is_allowed(option, brief)
                assert option.id not in ids
                changed, weeks = swapped(content, 1, item.exercise_id, option)
                assert weeks and weeks[0] == 1
                kept += not rules.check_rewritten(brief, changed, weeks)
    assert kept > 0  # most swaps keep every rule; the API refuses the others with the rule's words
