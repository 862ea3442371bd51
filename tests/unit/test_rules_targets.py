"""Each rule that holds a week to its skeleton target, with a week that meets it and one that breaks it."""

from __future__ import annotations

from tests.unit.test_rules import codes, ex, make_brief
from web.domain.enums import SessionKind, Weekday
from web.domain.plan import PlannedSession, PlannedWeek
from web.domain.rules import check_week
from web.domain.skeleton import Phase, Quality, WeekTarget

MON, TUE, WED, THU, FRI, SAT, SUN = Weekday


def target(**overrides) -> WeekTarget:
    fields = dict(
        number=1, block=1, phase=Phase.base, is_deload=False, focus="", run_sessions=2,
        strength_sessions=1, other_sessions=0, running_km=15.0, long_run_km=8.0, quality=Quality.none,
        strength_sets=16, rep_range=(8, 12), accessory_rep_range=(10, 15), rpe=7.0, minutes_min=48,
        minutes_max=60,
    )  # fmt: skip
    fields.update(overrides)
    return WeekTarget(**fields)


def strength(day: Weekday, sets: int = 4, reps: str = "8-12") -> PlannedSession:
    exercises = [
        ex("goblet_squat", sets, reps=reps, rest=120),
        ex("dumbbell_row", sets, reps="10-12", rest=120),
        ex("dumbbell_floor_press", sets, reps="10-12", rest=120),
        ex("dumbbell_rdl", sets, reps="10-12", rest=120),
    ]
    return PlannedSession(
        day=day, title="Strength", kind=SessionKind.strength, duration_minutes=55, exercises=exercises
    )


def run(day: Weekday, km: float) -> PlannedSession:
    return PlannedSession(
        day=day, title="Run", kind=SessionKind.run, duration_minutes=60, exercises=[ex("easy_run", 1, km=km)]
    )


def week(*sessions: PlannedSession, deload: bool = False) -> PlannedWeek:
    sessions = sessions or (run(MON, 7), strength(WED), run(FRI, 8))
    return PlannedWeek(number=1, theme="Base", is_deload=deload, sessions=list(sessions), notes="")


BRIEF = make_brief(
    activities=["running", "strength"],
    current_weekly_running_km=15,
    days=[MON, WED, FRI],
    minutes_per_session=60,
)


def test_a_week_on_target_passes() -> None:
    assert check_week(BRIEF, week(), target=target()) == []


def test_running_off_target_either_way() -> None:
    assert "target_running_km" in codes(
        check_week(BRIEF, week(run(MON, 3), strength(WED), run(FRI, 5)), target=target())
    )
    too_much = week(run(MON, 9), strength(WED), run(FRI, 9.5))
    assert "target_running_km" in codes(check_week(BRIEF, too_much, target=target()))


def test_running_when_none_was_asked_for() -> None:
    no_runs = target(run_sessions=0, strength_sessions=3, running_km=0, long_run_km=0)
    result = check_week(BRIEF, week(strength(MON), strength(WED), run(FRI, 3)), target=no_runs)
    assert "running_not_wanted" in codes(result)


def test_the_long_run_must_be_long_and_the_longest() -> None:
    result = check_week(BRIEF, week(run(MON, 8), strength(WED), run(FRI, 7)), target=target())
    assert "target_long_run" not in codes(result)  # Monday's 8 km is the long run
    equal = week(run(MON, 7.5), strength(WED), run(FRI, 7.5))
    assert "target_long_run" in codes(check_week(BRIEF, equal, target=target()))


def test_the_race_week_needs_the_race_and_the_race_may_be_long() -> None:
    race = target(phase=Phase.race, race_km=10.0, running_km=13.0, long_run_km=10.0)
    without = week(run(MON, 3), strength(WED), run(FRI, 9))
    assert "target_race_missing" in codes(check_week(BRIEF, without, target=race))
    with_race = week(run(MON, 3), strength(WED), run(FRI, 10))
    result = codes(check_week(BRIEF, with_race, target=race))
    assert "target_race_missing" not in result and "session_too_long" not in result


def test_strength_sets_and_main_reps_and_session_mix() -> None:
    assert "target_strength_sets" in codes(check_week(BRIEF, week(), target=target(strength_sets=30)))
    heavy = week(run(MON, 7), strength(WED, reps="3-5"), run(FRI, 8))
    assert "target_reps" in codes(check_week(BRIEF, heavy, target=target()))
    mix = week(run(MON, 7), strength(WED), strength(FRI))
    assert "target_session_mix" in codes(check_week(BRIEF, mix, target=target()))


def test_deload_flag_and_time_use() -> None:
    assert "target_deload" in codes(check_week(BRIEF, week(deload=True), target=target()))
    short = week(run(MON, 7), strength(WED, sets=1), run(FRI, 8))
    result = check_week(BRIEF, short, target=target(strength_sets=4))
    assert "target_time_use" in codes(result)
    assert any("use at least 48 of the 60 minutes" in v.message for v in result)
