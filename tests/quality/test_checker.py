"""The checker itself can fail: hand-made bad plans are caught."""

from __future__ import annotations

from tests.quality.checker import check_plan_quality
from tests.unit.test_offline_coach import make_brief
from web.coach.offline_coach import build_plan
from web.domain.enums import Activity, Equipment, Experience, Goal, Weekday


def checks(brief, plan) -> set[str]:
    return {f.check for f in check_plan_quality(brief, plan)}


def test_identical_blocks_are_caught() -> None:
    brief = make_brief(weeks=8)
    plan = build_plan(brief)
    plan.weeks[4] = plan.weeks[0].model_copy(update={"number": 5})
    assert "repeated_block" in checks(brief, plan)


def test_a_bodyweight_plan_for_a_full_rack_is_caught() -> None:
    kit = [Equipment.barbell, Equipment.squat_rack, Equipment.bench]
    brief = make_brief(goal=Goal.strength, experience=Experience.advanced, equipment=kit)
    plan = build_plan(
        make_brief(goal=Goal.strength, experience=Experience.advanced)
    )  # written without the kit
    assert "kit_unused" in checks(brief, plan)


def test_a_beginner_on_three_to_five_reps_is_caught() -> None:
    brief = make_brief(experience=Experience.beginner)
    plan = build_plan(brief)
    week = plan.weeks[0]
    first = next(e for s in week.sessions for e in s.exercises if e.reps)
    first.reps = "3-5"
    assert "heavy_beginner" in checks(brief, plan)


def test_a_long_run_shorter_than_an_easy_run_and_unasked_running_are_caught() -> None:
    brief = make_brief(
        activities=[Activity.running], current_weekly_running_km=20, days=list(Weekday), sessions_per_week=4
    )
    plan = build_plan(brief)
    long = next(s for s in plan.weeks[1].sessions if s.title == "Long run")
    long.exercises[0].distance_km = 1.0
    assert "short_long_run" in checks(brief, plan)
    assert "unasked_running" in checks(make_brief(), plan)
