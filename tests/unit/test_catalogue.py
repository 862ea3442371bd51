"""The exercise catalogue: its content, the filter by brief, and the session-time estimate."""

from __future__ import annotations

import json

import pytest

from web.domain.brief import TrainingBrief
from web.domain.catalogue import (
    CATALOGUE_PATH,
    MUSCLE_GROUPS,
    CatalogueExercise,
    all_exercises,
    allowed_exercises,
    estimate_session_minutes,
    get_exercise,
)
from web.domain.enums import Activity, Equipment, Experience, Goal, Injury, SessionKind, Weekday
from web.domain.plan import PlannedExercise, PlannedSession

STRENGTH_PATTERNS = (
    "squat",
    "hinge",
    "single_leg",
    "push_horizontal",
    "push_vertical",
    "pull_horizontal",
    "pull_vertical",
    "core",
    "carry",
)
# where a pattern is unsafe for an injury, a coach moves to one of these
SUBSTITUTES = {
    "squat": ("single_leg", "hinge"),
    "single_leg": ("squat", "hinge"),
    "hinge": ("single_leg",),
    "push_vertical": ("push_horizontal",),
    "push_horizontal": ("push_vertical",),
    "pull_vertical": ("pull_horizontal",),
    "pull_horizontal": ("pull_vertical",),
    "core": (),
    "carry": ("core",),
}


def make_brief(**overrides) -> TrainingBrief:
    fields = dict(
        goal=Goal.general,
        experience=Experience.advanced,
        weeks=4,
        days=[Weekday.mon],
        sessions_per_week=1,
        minutes_per_session=45,
        equipment=[],
        injuries=[],
        activities=[Activity.strength],
        current_weekly_running_km=0,
        age=40,
        sex="male",
        height_cm=180,
        weight_kg=80,
        motivation=4,
    )
    fields.update(overrides)
    return TrainingBrief(**fields)


def patterns(exercises: list[CatalogueExercise]) -> set[str]:
    return {e.pattern for e in exercises}


def test_catalogue_size_and_unique_ids() -> None:
    raw = json.loads(CATALOGUE_PATH.read_text())
    ids = [entry["id"] for entry in raw]
    assert 70 <= len(ids) <= 150
    assert len(set(ids)) == len(ids) == len(all_exercises())


def test_entries_are_well_formed() -> None:
    for exercise in all_exercises():
        assert exercise.kind in ("strength", "run", "cardio", "mobility"), exercise.id
        assert exercise.muscle_groups and set(exercise.muscle_groups) <= set(MUSCLE_GROUPS), exercise.id
        assert exercise.seconds_per_set > 0, exercise.id
        assert exercise.name and exercise.id == exercise.id.lower(), exercise.id
        assert (exercise.pace_min_per_km is not None) == (exercise.kind == "run"), exercise.id


def test_catalogue_covers_the_required_kinds() -> None:
    ids = {e.id for e in all_exercises()}
    assert {"easy_run", "tempo_run", "interval_run", "long_run", "treadmill_run"} <= ids
    assert {"bike_steady", "rower_steady", "jump_rope"} <= ids
    found = {(e.pattern, equipment) for e in all_exercises() for equipment in e.equipment or ("bodyweight",)}
    for pattern in ("squat", "hinge", "push_horizontal", "pull_horizontal", "core"):
        for equipment in ("bodyweight", Equipment.dumbbells, Equipment.barbell, Equipment.kettlebell):
            if pattern == "core" and equipment != "bodyweight":
                continue  # core work needs no equipment
            assert (pattern, equipment) in found, (pattern, equipment)
    assert {e.kind for e in all_exercises() if e.pattern == "mobility"} == {"mobility"}


def test_realistic_contraindications() -> None:
    def loads(exercise_id: str) -> set[Injury]:
        exercise = get_exercise(exercise_id)
        assert exercise is not None
        return set(exercise.contraindications)

    assert Injury.knee in loads("jump_squat") and Injury.knee in loads("bodyweight_squat")
    assert Injury.lower_back in loads("deadlift") and Injury.lower_back in loads("kettlebell_swing")
    assert Injury.shoulder in loads("overhead_press") and Injury.shoulder in loads("pull_up")
    assert Injury.wrist in loads("push_up") and Injury.wrist in loads("front_squat")
    # A sore knee may still run easy (progressed carefully); intervals and a sore ankle may not.
    assert Injury.ankle in loads("easy_run") and Injury.knee not in loads("easy_run")
    assert {Injury.knee, Injury.ankle} <= loads("interval_run")
    assert loads("dead_bug") == set() and loads("glute_bridge") == set()


@pytest.mark.parametrize("injury", list(Injury))
def test_every_injury_keeps_every_pattern(injury: Injury) -> None:
    full_gym = allowed_exercises(make_brief(equipment=list(Equipment), injuries=[injury]))
    available = patterns(full_gym)
    for pattern in STRENGTH_PATTERNS:
        assert pattern in available or set(SUBSTITUTES[pattern]) & available, (injury, pattern)
    assert {"cardio_steady", "cardio_interval", "mobility"} <= available


def test_bodyweight_knee_and_shoulder_still_trains_everything() -> None:
    allowed = allowed_exercises(make_brief(injuries=[Injury.knee, Injury.shoulder]))
    assert {"squat", "hinge", "single_leg", "push_horizontal", "pull_horizontal", "core"} <= patterns(allowed)
    assert {"cardio_steady", "cardio_interval", "mobility"} <= patterns(allowed)


def test_something_is_always_allowed() -> None:
    allowed = allowed_exercises(make_brief(experience=Experience.beginner, injuries=list(Injury)))
    assert {"core", "cardio_steady", "cardio_interval", "mobility", "hinge"} <= patterns(allowed)


def test_allowed_exercises_filters_equipment() -> None:
    bodyweight = allowed_exercises(make_brief())
    assert bodyweight and all(e.equipment == () for e in bodyweight)
    with_dumbbells = {e.id for e in allowed_exercises(make_brief(equipment=[Equipment.dumbbells]))}
    assert "goblet_squat" in with_dumbbells
    assert "dumbbell_bench_press" not in with_dumbbells  # also needs a bench
    assert "back_squat" not in {e.id for e in allowed_exercises(make_brief(equipment=[Equipment.barbell]))}


def test_allowed_exercises_filters_injuries() -> None:
    allowed = allowed_exercises(
        make_brief(equipment=list(Equipment), injuries=[Injury.lower_back, Injury.wrist])
    )
    assert allowed
    for exercise in allowed:
        assert Injury.lower_back not in exercise.contraindications
        assert Injury.wrist not in exercise.contraindications
    assert "deadlift" not in {e.id for e in allowed}


@pytest.mark.parametrize(
    ("experience", "pull_up", "nordic"),
    [
        (Experience.beginner, False, False),
        (Experience.intermediate, True, False),
        (Experience.advanced, True, True),
    ],
)
def test_allowed_exercises_filters_level(experience: Experience, pull_up: bool, nordic: bool) -> None:
    ids = {
        e.id for e in allowed_exercises(make_brief(experience=experience, equipment=[Equipment.pull_up_bar]))
    }
    assert ("pull_up" in ids) is pull_up
    assert ("nordic_curl" in ids) is nordic
    assert "negative_pull_up" in ids


def test_get_exercise() -> None:
    squat = get_exercise("goblet_squat")
    assert squat is not None and squat.name == "Goblet squat (dumbbell)" and squat.kind == "strength"
    assert squat.equipment == (Equipment.dumbbells,)
    assert get_exercise("no_such_exercise") is None
    with pytest.raises(AttributeError):
        squat.name = "x"  # type: ignore[misc]


def item(exercise_id: str, sets: int = 1, **fields) -> PlannedExercise:
    values = dict(
        exercise_id=exercise_id,
        name=exercise_id,
        sets=sets,
        reps=None,
        duration_seconds=None,
        distance_km=None,
        rest_seconds=0,
        intensity="",
        notes="",
    )
    return PlannedExercise(**(values | fields))


def minutes(*items: PlannedExercise) -> float:
    session = PlannedSession(
        day=Weekday.mon, title="t", kind=SessionKind.mixed, duration_minutes=30, exercises=list(items)
    )
    return estimate_session_minutes(session)


def test_estimate_uses_catalogue_time_per_set_and_rest() -> None:
    # goblet squat: 40 s per set; 3 x (40 + 90) s = 6.5 min, plus 5 min warm-up
    assert minutes(item("goblet_squat", 3, reps="8-10", rest_seconds=90)) == pytest.approx(11.5)


def test_estimate_prefers_given_duration() -> None:
    assert minutes(item("forearm_plank", 4, duration_seconds=60, rest_seconds=30)) == pytest.approx(11)


def test_estimate_runs_by_distance_and_pace() -> None:
    assert minutes(item("easy_run", distance_km=5)) == pytest.approx(5 + 5 * 6.5)
    assert minutes(item("tempo_run", distance_km=4)) < minutes(item("easy_run", distance_km=4))
    assert minutes(item("interval_run", 6, distance_km=0.4, rest_seconds=90)) == pytest.approx(
        5 + 6 * (0.4 * 5.25 * 60 + 90) / 60
    )


def test_estimate_unknown_exercise_from_reps() -> None:
    plain = minutes(item("mystery", 2, reps="10"))
    per_side = minutes(item("mystery", 2, reps="10 per side"))
    assert plain == pytest.approx(5 + 2 * 10 * 3.5 / 60)
    assert per_side > plain
    assert minutes(item("mystery", 2, reps="AMRAP")) == pytest.approx(5 + 2 * 45 / 60)
