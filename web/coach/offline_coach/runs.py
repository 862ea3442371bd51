"""Run sessions written to the week's target: the long run, one quality run, easy runs for the rest of
the kilometres, and in race week short shake-outs before the race itself."""

from __future__ import annotations

import math

from web.domain.brief import TrainingBrief
from web.domain.catalogue import estimate_session_minutes, get_exercise
from web.domain.enums import SessionKind, Weekday
from web.domain.plan import PlannedExercise, PlannedSession
from web.domain.skeleton import Quality, WeekTarget
from web.domain.volumes import MIN_RUN_KM, run_time_cap_km

EASY = "Easy, conversational pace (RPE 3-4)"
WARM_KM, COOL_KM = 1.5, 1.0


def km(value: float) -> float:
    return max(0.0, math.floor(value * 10 + 1e-6) / 10)


def _run(
    exercise_id: str, distance: float, intensity: str, notes: str, sets: int = 1, rest: int = 0
) -> PlannedExercise:
    exercise = get_exercise(exercise_id)
    assert exercise is not None, exercise_id
    return PlannedExercise(
        exercise_id=exercise_id,
        name=exercise.name,
        sets=sets,
        reps=None,
        duration_seconds=None,
        distance_km=km(distance),
        rest_seconds=rest,
        intensity=intensity,
        notes=notes,
    )


def _session(brief: TrainingBrief, day: Weekday, title: str, items: list[PlannedExercise]) -> PlannedSession:
    session = PlannedSession(day=day, title=title, kind=SessionKind.run, duration_minutes=5, exercises=items)
    estimate = math.ceil(estimate_session_minutes(session) - 1e-9)
    race = any(e.distance_km and e.distance_km >= 5 and "Race" in e.intensity for e in items)
    session.duration_minutes = max(5, min(240 if race else brief.minutes_per_session, estimate))
    return session


def quality_run(
    brief: TrainingBrief, target: WeekTarget, day: Weekday, total: float, easy_id: str
) -> PlannedSession:
    """The week's quality session in `total` km: warm-up, the work, cool-down."""
    room = max(0.0, total - WARM_KM - COOL_KM)
    # The hard part stays a sensible share of the week; the rest of the run is easy warm-up and cool-down.
    share = 0.12 if target.quality is Quality.intervals else 0.2
    work = min(room, max(2.4 if target.quality is Quality.intervals else 1.0, share * target.running_km))
    easy_extra = room - work
    warm = _run(easy_id, WARM_KM + easy_extra * 0.6, EASY, "Warm up, then 4 relaxed strides of 20 seconds.")
    cool = _run(easy_id, COOL_KM + easy_extra * 0.4, EASY, "Cool down at an easy jog or walk.")
    if target.quality is Quality.intervals and work >= 2.4:
        reps = max(3, min(6, round(work / 0.8)))
        rep_km = km(work / reps)
        item = _run("interval_run", rep_km, "Hard, RPE 8 (about 5 km race effort)",
                    "Walk or jog gently for 90 seconds between repeats.", sets=reps, rest=90)  # fmt: skip
        return _session(brief, day, f"Intervals: {reps} x {rep_km * 1000:.0f} m", [warm, item, cool])
    if target.quality in (Quality.tempo, Quality.race_pace, Quality.intervals) and work >= 1.0:
        race = target.quality is Quality.race_pace
        intensity = "Goal race pace, controlled" if race else "Comfortably hard, RPE 6-7"
        notes = (
            "Practise the pace you will race at."
            if race
            else "A steady effort you could hold for about an hour."
        )
        title = "Race-pace run" if race else "Tempo run"
        return _session(brief, day, title, [warm, _run("tempo_run", work, intensity, notes), cool])
    notes = (
        "Easy, then 6 relaxed strides of 20 seconds with a walk back."
        if target.quality is Quality.strides
        else "Keep it easy enough to talk."
    )
    title = "Easy run + strides" if target.quality is Quality.strides else "Easy run"
    return _session(brief, day, title, [_run(easy_id, total, EASY, notes)])


def run_sessions(
    brief: TrainingBrief, target: WeekTarget, slots: list[tuple[Weekday, str]], easy_id: str
) -> dict[Weekday, PlannedSession]:
    """The week's runs by day, adding up to the target's kilometres."""
    if not slots:
        return {}
    cap = run_time_cap_km(brief)
    out: dict[Weekday, PlannedSession] = {}
    long_day = next((d for d, kind in slots if kind == "long"), slots[-1][0])
    others = [(d, kind) for d, kind in slots if d != long_day]
    if target.race_km:
        race = target.race_km
        shake = (
            km(min(cap, max(MIN_RUN_KM, (target.running_km - race) / max(len(others), 1)))) if others else 0
        )
        for day, _kind in others:
            out[day] = _session(
                brief,
                day,
                "Shake-out run",
                [_run(easy_id, shake, EASY, "Short and easy: save your legs for the race.")],
            )
        out[long_day] = _session(
            brief,
            long_day,
            "Race day",
            [
                _run(
                    "easy_run",
                    race,
                    "Race effort: even pace, strong finish",
                    "Start a little slower than goal pace; enjoy it.",
                )
            ],
        )
        return out
    long_km = km(target.long_run_km if others else target.running_km)
    out[long_day] = _session(
        brief,
        long_day,
        "Long run",
        [
            _run(
                "long_run",
                long_km,
                EASY,
                "Slow and steady; walk breaks are fine. This is the week's longest run.",
            )
        ],
    )
    rest_km = max(0.0, target.running_km - long_km)
    quality_day = next((d for d, kind in others if kind == "quality"), None)
    easy_days = [d for d, _ in others if d != quality_day]
    share = rest_km / max(len(others), 1)
    ceiling = max(0.5, long_km - 0.3)  # every other run shorter than the long one
    if quality_day is not None:
        q_km = min(share, ceiling, (brief.minutes_per_session - 5) / 6.0)
        out[quality_day] = quality_run(brief, target, quality_day, q_km, easy_id)
        rest_km -= _distance(out[quality_day])
    each = km(max(0.5, min(cap, ceiling, rest_km / max(len(easy_days), 1))))
    for day in easy_days:
        out[day] = _session(
            brief, day, "Easy run", [_run(easy_id, each, EASY, "Keep it easy enough to talk.")]
        )
    return out


def _distance(session: PlannedSession) -> float:
    return sum((e.distance_km or 0) * e.sets for e in session.exercises)
