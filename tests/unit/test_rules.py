"""Each plan rule, with a small hand-built week or plan that breaks it and one that does not."""

from __future__ import annotations

import pytest

from web.domain.brief import TrainingBrief
from web.domain.enums import Activity, Equipment, Experience, Goal, Injury, SessionKind, Weekday
from web.domain.plan import PlanContent, PlannedExercise, PlannedSession, PlannedWeek
from web.domain.rules import (
    Violation,
    check_plan,
    check_week,
    expected_sessions,
    hard_sets_by_group,
    weekly_running_km,
)

MON, TUE, WED, THU, FRI, SAT, SUN = Weekday


def make_brief(**overrides) -> TrainingBrief:
    fields = dict(
        goal=Goal.general,
        experience=Experience.intermediate,
        weeks=4,
        days=[MON, WED, FRI],
        sessions_per_week=3,
        minutes_per_session=45,
        equipment=[Equipment.dumbbells],
        injuries=[],
        activities=[Activity.strength],
        current_weekly_running_km=0,
        age=30,
        sex="female",
        height_cm=168,
        weight_kg=64,
        motivation=3,
    )
    fields.update(overrides)
    return TrainingBrief(**fields)


def ex(
    exercise_id: str,
    sets: int = 3,
    *,
    reps: str | None = "8-10",
    rest: int = 60,
    km: float | None = None,
    seconds: int | None = None,
) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=exercise_id,
        name=exercise_id.replace("_", " "),
        sets=sets,
        reps=None if km or seconds else reps,
        duration_seconds=seconds,
        distance_km=km,
        rest_seconds=0 if km else rest,
        intensity="RPE 7",
        notes="",
    )


def session(day: Weekday, *exercises: PlannedExercise, minutes: int = 40) -> PlannedSession:
    exercises = exercises or (ex("goblet_squat"), ex("dumbbell_row"))
    return PlannedSession(
        day=day,
        title="Session",
        kind=SessionKind.strength,
        duration_minutes=minutes,
        exercises=list(exercises),
    )


def run(day: Weekday, km: float) -> PlannedSession:
    return PlannedSession(
        day=day, title="Run", kind=SessionKind.run, duration_minutes=5, exercises=[ex("easy_run", 1, km=km)]
    )


def week(number: int, *sessions: PlannedSession, deload: bool = False) -> PlannedWeek:
    sessions = sessions or (session(MON), session(WED), session(FRI))
    return PlannedWeek(number=number, theme="Week", is_deload=deload, sessions=list(sessions), notes="")


def plan(*weeks: PlannedWeek) -> PlanContent:
    return PlanContent(title="Plan", summary="", weeks=list(weeks))


def codes(violations: list[Violation]) -> list[str]:
    return [v.code for v in violations]


# --------------------------------------------------------------------------------------------
# Clean cases


def test_clean_week_and_plan_pass() -> None:
    brief = make_brief()
    assert check_week(brief, week(1)) == []
    assert check_plan(brief, plan(week(1), week(2), week(3), week(4))) == []


def test_violation_is_frozen_and_carries_the_week() -> None:
    violation = check_week(make_brief(), week(2, session(MON), session(WED)))[0]
    assert violation == Violation(violation.code, violation.message, 2)
    with pytest.raises(AttributeError):
        violation.code = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Weeks


def test_wrong_number_of_weeks() -> None:
    result = check_plan(make_brief(weeks=4), plan(week(1), week(2), week(3)))
    assert codes(result) == ["weeks_count"]
    assert result[0].week is None and "exactly 4" in result[0].message


@pytest.mark.parametrize("numbers", [[1, 3, 2, 4], [2, 3, 4, 5], [1, 1, 2, 3]])
def test_week_numbering(numbers: list[int]) -> None:
    result = check_plan(make_brief(), plan(*(week(n) for n in numbers)))
    assert "week_numbering" in codes(result)


# --------------------------------------------------------------------------------------------
# Schedule


def test_session_on_unavailable_day_names_the_day() -> None:
    result = check_week(make_brief(), week(1, session(MON), session(WED), session(SAT)))
    assert codes(result) == ["session_on_unavailable_day"]
    assert "Week 1, Saturday" in result[0].message and "Monday, Wednesday, Friday" in result[0].message


def test_duplicate_day() -> None:
    brief = make_brief(days=[MON, WED, FRI, SAT])
    result = check_week(brief, week(1, session(MON), session(MON), session(FRI)))
    assert codes(result) == ["duplicate_day"]


@pytest.mark.parametrize("count", [2, 4])
def test_session_count(count: int) -> None:
    brief = make_brief(days=[MON, TUE, WED, FRI, SAT])
    sessions = [session(day) for day in [MON, TUE, WED, FRI][:count]]
    result = check_week(brief, week(1, *sessions))
    assert codes(result) == ["session_count"]
    assert f"has {count} sessions" in result[0].message


def test_deload_week_may_have_one_fewer_session_but_not_two() -> None:
    brief = make_brief()
    light = [ex("goblet_squat", 1), ex("dumbbell_row", 1)]
    assert check_week(brief, week(4, session(MON, *light), session(FRI, *light), deload=True)) == []
    assert codes(check_week(brief, week(4, session(MON, *light), deload=True))) == ["session_count"]


def test_seven_sessions_asked_means_six_planned() -> None:
    brief = make_brief(days=list(Weekday), sessions_per_week=7)
    assert expected_sessions(brief) == 6
    seven = week(1, *(session(day, ex("dead_bug", 2)) for day in Weekday))
    assert codes(check_week(brief, seven)) == ["session_count", "no_rest_day"]
    assert check_week(brief, week(1, *(session(day, ex("dead_bug", 2)) for day in list(Weekday)[:6]))) == []


def test_no_rest_day_is_checked_on_its_own() -> None:
    brief = make_brief(days=[MON, TUE, WED], sessions_per_week=3)
    everyday = week(1, *(session(day, ex("dead_bug", 2)) for day in Weekday))
    assert "no_rest_day" in codes(check_week(brief, everyday))


def test_fewer_days_than_sessions_asked() -> None:
    brief = make_brief(days=[MON, THU], sessions_per_week=3)
    assert check_week(brief, week(1, session(MON), session(THU))) == []


# --------------------------------------------------------------------------------------------
# Session length


def test_duration_over_the_minutes() -> None:
    result = check_week(
        make_brief(minutes_per_session=30),
        week(1, session(MON, minutes=35), session(WED, minutes=30), session(FRI, minutes=30)),
    )
    assert codes(result) == ["session_too_long"]
    assert "Monday" in result[0].message and "30 min" in result[0].message


def test_estimate_over_the_minutes_with_tolerance() -> None:
    brief = make_brief(minutes_per_session=30)
    # 5 min warm-up + 6 sets x (40 s + 180 s) = 27 min: fits
    fits = session(MON, ex("goblet_squat", 6, rest=180), minutes=30)
    # 5 min warm-up + 10 sets x (40 s + 180 s) = 41.7 min > 30 x 1.15
    too_long = session(MON, ex("goblet_squat", 10, rest=180), minutes=30)
    others = session(WED, minutes=30), session(FRI, minutes=30)
    assert check_week(brief, week(1, fits, *others)) == []
    assert codes(check_week(brief, week(1, too_long, *others))) == ["session_too_long"]


def test_long_run_counts_its_distance() -> None:
    brief = make_brief(minutes_per_session=45, days=[MON], sessions_per_week=1, current_weekly_running_km=20)
    assert check_week(brief, week(1, run(MON, 6.0))) == []  # 5 + 6 x 6.5 = 44 min
    assert codes(check_week(brief, week(1, run(MON, 8.0)))) == ["session_too_long"]  # 57 min


# --------------------------------------------------------------------------------------------
# Exercises


def test_unknown_exercise() -> None:
    result = check_week(make_brief(), week(1, session(MON, ex("moon_squat")), session(WED), session(FRI)))
    assert codes(result) == ["unknown_exercise"]
    assert "moon_squat" in result[0].message


def test_missing_equipment_names_the_equipment() -> None:
    result = check_week(make_brief(), week(1, session(MON, ex("back_squat")), session(WED), session(FRI)))
    assert codes(result) == ["missing_equipment"]
    assert "barbell" in result[0].message and "squat_rack" in result[0].message


def test_loads_injury() -> None:
    brief = make_brief(injuries=[Injury.knee])
    result = check_week(
        brief,
        week(
            1,
            session(MON, ex("dumbbell_row")),
            session(WED, ex("goblet_squat")),
            session(FRI, ex("glute_bridge")),
        ),
    )
    assert codes(result) == ["loads_injury"]
    assert "Wednesday" in result[0].message and "knee" in result[0].message


def test_bodyweight_exercises_need_no_equipment() -> None:
    brief = make_brief(equipment=[])
    bodyweight = week(
        1, session(MON, ex("push_up")), session(WED, ex("glute_bridge")), session(FRI, ex("dead_bug"))
    )
    assert check_week(brief, bodyweight) == []


# --------------------------------------------------------------------------------------------
# Hard sets


def test_hard_sets_count_for_every_listed_group() -> None:
    counted = hard_sets_by_group(
        week(1, session(MON, ex("dumbbell_bench_press", 3), ex("easy_run", 1, km=5)))
    )
    assert counted == {"chest": 3, "triceps": 3, "shoulders": 3}


def test_too_many_hard_sets() -> None:
    brief = make_brief(equipment=[Equipment.dumbbells, Equipment.bench])

    def pressing(floor_sets: int) -> PlannedWeek:
        presses = [ex("dumbbell_bench_press", 4, rest=30), ex("dumbbell_floor_press", floor_sets, rest=30)]
        return week(1, *(session(day, *presses) for day in (MON, WED, FRI)))

    assert check_week(brief, pressing(3)) == []  # 21 sets for chest and for triceps
    result = check_week(brief, pressing(4))  # 24
    assert codes(result) == ["too_many_hard_sets", "too_many_hard_sets"]
    assert {"chest", "triceps"} == {v.message.split(" for ")[1].split(";")[0] for v in result}


def test_hard_sets_jump_against_previous_week() -> None:
    brief = make_brief()
    before = week(1, session(MON, ex("goblet_squat", 3)), session(WED), session(FRI))
    ok = week(2, session(MON, ex("goblet_squat", 4)), session(WED), session(FRI))
    jump = week(2, session(MON, ex("goblet_squat", 10)), session(WED), session(FRI))
    assert check_plan(brief.model_copy(update={"weeks": 2}), plan(before, ok)) == []
    result = check_week(brief, jump, [before])
    assert codes(result) == ["hard_sets_jump", "hard_sets_jump"]  # quads and glutes
    assert "week 1" in result[0].message


def test_hard_sets_jump_compares_with_the_week_before_a_deload() -> None:
    brief = make_brief(weeks=6)
    build = week(3, session(MON, ex("goblet_squat", 4)), session(WED), session(FRI))
    light = [
        session(MON, ex("goblet_squat", 1)),
        session(WED, ex("dead_bug", 1)),
        session(FRI, ex("dead_bug", 1)),
    ]
    back = week(5, session(MON, ex("goblet_squat", 4)), session(WED), session(FRI))
    assert check_week(brief, back, [build, week(4, *light, deload=True)]) == []
    # the same light week not marked as a deload becomes the baseline, and week 5 jumps from it
    assert "hard_sets_jump" in codes(check_week(brief, back, [build, week(4, *light)]))


# --------------------------------------------------------------------------------------------
# Running


def runs(number: int, *km: float, deload: bool = False) -> PlannedWeek:
    return week(number, *(run(day, d) for day, d in zip((MON, WED, FRI), km, strict=False)), deload=deload)


def run_brief(**overrides) -> TrainingBrief:
    fields = {"goal": Goal.endurance, "minutes_per_session": 120, "current_weekly_running_km": 20}
    return make_brief(**(fields | overrides))


def test_weekly_running_counts_sets_and_only_runs() -> None:
    assert weekly_running_km(runs(1, 5, 4, 3)) == pytest.approx(12)
    intervals = PlannedSession(
        day=MON,
        title="Intervals",
        kind=SessionKind.run,
        duration_minutes=40,
        exercises=[ex("interval_run", 6, km=0.4), ex("bike_steady", 1, km=10)],
    )
    assert weekly_running_km(week(1, intervals)) == pytest.approx(2.4)


def test_running_jump_over_ten_percent() -> None:
    brief = run_brief(weeks=2)
    assert check_plan(brief, plan(runs(1, 6, 6, 8), runs(2, 6.5, 6.5, 8.8))) == []  # 20 -> 21.8
    result = check_plan(brief, plan(runs(1, 6, 6, 8), runs(2, 7, 7, 9)))  # 20 -> 23
    assert codes(result) == ["running_volume_jump"]
    assert result[0].week == 2 and "23.0 km" in result[0].message


def test_first_week_running_is_capped_by_current_volume() -> None:
    assert check_week(run_brief(), runs(1, 7, 7, 8)) == []  # 22 <= 20 x 1.1
    assert codes(check_week(run_brief(), runs(1, 8, 8, 8))) == ["running_volume_jump"]
    novice = run_brief(current_weekly_running_km=0)
    assert check_week(novice, runs(1, 3, 3, 4)) == []  # 10 km is always allowed to start
    assert codes(check_week(novice, runs(1, 4, 4, 4))) == ["running_volume_jump"]


def test_running_after_a_week_without_runs() -> None:
    brief = run_brief(current_weekly_running_km=0)
    strength_only = week(1)
    assert check_week(brief, runs(2, 3, 3, 3), [strength_only]) == []
    assert codes(check_week(brief, runs(2, 5, 5, 5), [strength_only])) == ["running_volume_jump"]


def test_returning_after_a_deload_compares_with_the_last_build_week() -> None:
    brief = run_brief(weeks=6)
    before = [runs(1, 6, 6, 8), runs(2, 6.5, 6.5, 8.5), runs(3, 7, 7, 9), runs(4, 4, 4, 5, deload=True)]
    assert check_week(brief, runs(5, 7.5, 7.5, 9.5), before) == []  # 23 -> 24.5
    assert codes(check_week(brief, runs(5, 8, 8, 11), before)) == ["running_volume_jump"]


# --------------------------------------------------------------------------------------------
# Deloads


def test_short_plans_need_no_deload() -> None:
    brief = make_brief(weeks=5)
    assert check_plan(brief, plan(*(week(n) for n in range(1, 6)))) == []


def test_missing_deload_in_long_plans() -> None:
    brief = make_brief(weeks=6)
    result = check_plan(brief, plan(*(week(n) for n in range(1, 7))))
    assert codes(result) == ["missing_deload", "missing_deload"]
    assert [v.week for v in result] == [5, 6]


def light_week(number: int) -> PlannedWeek:
    return week(
        number,
        session(MON, ex("goblet_squat", 1), ex("dumbbell_row", 1)),
        session(WED, ex("dead_bug", 1)),
        session(FRI, ex("dead_bug", 1)),
        deload=True,
    )


def test_deload_every_fourth_week_passes() -> None:
    brief = make_brief(weeks=8)
    weeks = [light_week(n) if n % 4 == 0 else week(n) for n in range(1, 9)]
    assert check_plan(brief, plan(*weeks)) == []


def test_deload_must_be_lighter() -> None:
    brief = make_brief(weeks=6)
    weeks = [week(1), week(2), week(3), week(4, deload=True), week(5), week(6)]
    result = check_plan(brief, plan(*weeks))
    assert codes(result) == ["deload_not_lighter"]
    assert result[0].week == 4 and "week 3" in result[0].message


def test_deload_running_must_drop_too() -> None:
    brief = run_brief(weeks=6)
    before = [runs(1, 6, 6, 8), runs(2, 6, 6, 8), runs(3, 6, 6, 8)]
    assert check_week(brief, runs(4, 4, 4, 6, deload=True), before) == []  # 14 <= 14
    assert codes(check_week(brief, runs(4, 5, 5, 6, deload=True), before)) == ["deload_not_lighter"]
