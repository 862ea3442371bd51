"""Runs: the weekly kilometres, split into easy, long, tempo and interval runs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from web.coach.offline_coach.dosing import _LEVEL, _RUN_TITLES, DELOAD_FACTOR, EASY_PACE
from web.domain.brief import TrainingBrief
from web.domain.catalogue import CatalogueExercise, work_seconds
from web.domain.enums import Experience, Goal
from web.domain.plan import PlannedExercise
from web.domain.rules import MAX_RUNNING_INCREASE, running_start_cap_km

if TYPE_CHECKING:  # the blueprint builds run sessions with _floor1, so it imports this module
    from web.coach.offline_coach.blueprint import _Blueprint, _RunSpec


def _floor1(km: float) -> float:
    return math.floor(km * 10 + 1e-9) / 10


def _warm_up_km(brief: TrainingBrief) -> float:
    return 1.5 if brief.experience is Experience.advanced else 1.0


def _run_item(
    exercise: CatalogueExercise, km: float, intensity: str, notes: str, sets: int = 1, rest: int = 0
) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=exercise.id,
        name=exercise.name,
        sets=sets,
        reps=None,
        duration_seconds=None,
        distance_km=km,
        rest_seconds=rest,
        intensity=intensity,
        notes=notes,
    )


def _tempo_km(bp: _Blueprint, km: float) -> float:
    """The threshold part of a tempo run: capped by experience and by the time left after the warm-up."""
    minutes, warm = bp.brief.minutes_per_session - 5, _warm_up_km(bp.brief)
    fits = (minutes - warm * EASY_PACE) / (bp.library["tempo_run"].pace_min_per_km or EASY_PACE)
    return _floor1(max(0.0, min(km - warm, fits, (2.5, 4.0, 6.0)[_LEVEL[bp.brief.experience]])))


def _interval_reps(bp: _Blueprint, km: float) -> tuple[int, float]:
    rep_km = 0.8 if bp.brief.experience is Experience.advanced else 0.4
    warm = _warm_up_km(bp.brief)
    seconds = (bp.brief.minutes_per_session - 5 - warm * EASY_PACE) * 60
    per_rep = rep_km * (bp.library["interval_run"].pace_min_per_km or EASY_PACE) * 60 + 90
    most = 8 if rep_km < 0.5 else 6
    reps = min(most, math.floor((km - warm) / rep_km + 1e-9), math.floor(seconds / per_rep))
    return max(0, reps), rep_km


def _with_cool_down(bp: _Blueprint, items: list[PlannedExercise], km: float) -> list[PlannedExercise]:
    """Fill the rest of a quality run's share with an easy cool-down jog, as far as time allows."""
    done = sum((e.distance_km or 0.0) * e.sets for e in items)
    seconds_left = (bp.brief.minutes_per_session - 5) * 60 - sum(
        e.sets * (work_seconds(e) + e.rest_seconds) for e in items
    )
    cool = _floor1(max(0.0, min(km - done, seconds_left / 60 / EASY_PACE)))
    if cool < 0.5:
        return items
    easy = "Easy, conversational pace (RPE 3-4)"
    return [*items, _run_item(bp.library["easy_run"], cool, easy, "Easy cool-down jog.")]


def _run_items(bp: _Blueprint, spec: _RunSpec, km: float) -> list[PlannedExercise]:
    easy = "Easy, conversational pace (RPE 3-4)"
    if spec.style in ("easy", "long"):
        notes = "Walk breaks are fine; finish feeling you could do more."
        return [_run_item(spec.exercise, _floor1(max(km, min(1.0, spec.cap_km))), easy, notes)]
    warm = _run_item(
        bp.library["easy_run"], _warm_up_km(bp.brief), easy, "Warm-up jog; add a few relaxed strides."
    )
    if spec.style == "tempo":
        tempo_notes = "Steady effort you could hold for about an hour."
        work = _run_item(spec.exercise, _tempo_km(bp, km), "Comfortably hard, RPE 6-7", tempo_notes)
    else:
        reps, rep_km = _interval_reps(bp, km)
        interval_notes = "Walk or jog gently between repeats."
        work = _run_item(
            spec.exercise,
            rep_km,
            "Hard, RPE 8 (about 5 km race effort)",
            interval_notes,
            sets=max(reps, 1),
            rest=90,
        )
    return _with_cool_down(bp, [warm, work], km)


def _run_sessions(bp: _Blueprint) -> list[_RunSpec]:
    return [s.run for s in bp.sessions if s.run is not None]


def _week_run_items(bp: _Blueprint, target_km: float) -> list[list[PlannedExercise]]:
    specs = _run_sessions(bp)
    total_weight = sum(spec.weight for spec in specs) or 1.0
    return [_run_items(bp, spec, min(target_km * spec.weight / total_weight, spec.cap_km)) for spec in specs]


def _km(items: list[list[PlannedExercise]]) -> float:
    return sum((e.distance_km or 0.0) * e.sets for session in items for e in session)


def _settle_quality_runs(bp: _Blueprint) -> None:
    """Quality runs that cannot hold real work at the starting volume become easier runs for the plan."""
    specs = _run_sessions(bp)
    total_weight = sum(spec.weight for spec in specs) or 1.0
    for session in bp.sessions:
        spec = session.run
        if spec is None:
            continue
        km = min(bp.run_start * spec.weight / total_weight, spec.cap_km)
        if spec.style == "interval" and _interval_reps(bp, km)[0] < 3:
            spec.style, spec.exercise, session.title = "tempo", bp.library["tempo_run"], _RUN_TITLES["tempo"]
        if spec.style == "tempo" and _tempo_km(bp, km) < 1.0:
            spec.style, spec.exercise, session.title = "easy", bp.library["easy_run"], _RUN_TITLES["easy"]
            spec.cap_km = _floor1((bp.brief.minutes_per_session - 5) / EASY_PACE)


def _run_volume(brief: TrainingBrief, runs: int) -> tuple[float, float, float]:
    """(starting weekly km, ceiling, weekly growth) for this person."""
    level, cap = _LEVEL[brief.experience], running_start_cap_km(brief)
    if brief.goal is Goal.endurance:
        start = min(max(brief.current_weekly_running_km, (8, 15, 25)[level]), cap)
        return start, max(start, (30, 50, 80)[level]), 1.08
    start = min((3, 5, 6)[level] * runs, cap)
    return start, start * 1.3, 1.05


def _next_run_target(bp: _Blueprint, previous: float | None, previous_km: float) -> float:
    """The next build week's km target: grow, but never past +10% on the real, rounded distances."""
    if not _run_sessions(bp):
        return 0.0
    if previous is None:
        target, limit = bp.run_start, running_start_cap_km(bp.brief)
        for _ in range(40):
            if _km(_week_run_items(bp, target)) <= limit + 1e-9:
                break
            target *= 0.9
        return target
    target = min(previous * bp.run_growth, max(bp.run_max, previous))
    limit = previous_km * (1 + MAX_RUNNING_INCREASE)
    for step in range(11):
        candidate = target - (target - previous) * step / 10
        if _km(_week_run_items(bp, candidate)) <= limit + 1e-9:
            return candidate
    return previous


def _deload_runs(exercises: list[PlannedExercise]) -> list[PlannedExercise]:
    out = []
    for e in exercises:
        if e.sets > 1:
            sets = max(1, math.floor(e.sets * DELOAD_FACTOR))
            out.append(e.model_copy(update={"sets": sets, "intensity": "Controlled, RPE 7"}))
        else:
            out.append(e.model_copy(update={"distance_km": _floor1((e.distance_km or 0) * DELOAD_FACTOR)}))
    return out
