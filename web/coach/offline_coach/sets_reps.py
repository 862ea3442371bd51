"""Sets, reps and intensity by week phase."""

from __future__ import annotations

import math

from web.coach.offline_coach.blueprint import _Item, _Session
from web.coach.offline_coach.dosing import (
    ACCESSORY,
    CARDIO,
    COOLDOWN,
    DELOAD,
    DELOAD_FACTOR,
    FINISHER,
    MAIN,
    MOBILITY,
    PEAK,
    STEADY,
)
from web.domain.brief import TrainingBrief
from web.domain.catalogue import estimate_session_minutes
from web.domain.enums import Experience, Goal, Weekday
from web.domain.plan import PlannedExercise, PlannedSession


def _deloaded(sets: int) -> int:
    return max(1, int(sets * DELOAD_FACTOR + 0.5))


def _item_sets(item: _Item, phase: int, extras: bool) -> int:
    if phase == DELOAD:
        return item.sets if item.role in (MOBILITY, COOLDOWN, STEADY) else _deloaded(item.sets)
    if item.role == MAIN:
        return item.sets + (1 if phase == PEAK and extras else 0)
    if item.role in (CARDIO, FINISHER):
        return item.sets + phase
    return item.sets


def _item_seconds(item: _Item, phase: int) -> int | None:
    if item.role != STEADY or item.seconds is None:
        return item.seconds
    factor = DELOAD_FACTOR if phase == DELOAD else (0.8, 0.9, 1.0)[phase]
    return int(item.seconds * factor)


def _intensity(brief: TrainingBrief, item: _Item, phase: int) -> str:
    if item.role in (MOBILITY, COOLDOWN):
        return "Gentle, relaxed breathing"
    if item.role == STEADY:
        return "Easy, conversational pace (RPE 3-4)"
    if item.role in (CARDIO, FINISHER) and (phase == DELOAD or item.exercise.pattern == "cardio_steady"):
        return "Brisk but controlled, RPE 6-7; easy recovery"
    if item.role in (CARDIO, FINISHER):
        return "Hard efforts, RPE 8; easy recovery"
    if phase == DELOAD:
        return "RPE 6, light and crisp"
    beginner = brief.experience is Experience.beginner
    rpe = (6.5 if beginner else 7.0) + 0.5 * phase
    if item.role == MAIN and brief.goal is Goal.strength and not beginner:
        rpe += 0.5
    return f"RPE {rpe:g}"


def _item_notes(brief: TrainingBrief, item: _Item) -> str:
    if item.role == MAIN:
        text = "Main lift: when every set reaches the top of the rep range, add a little load next time."
    elif item.role in (CARDIO, FINISHER):
        text = f"Work {item.seconds} s per round, recover {item.rest} s in between."
    elif item.role == STEADY:
        text = "Keep it easy enough to hold a conversation."
    elif item.role in (MOBILITY, COOLDOWN):
        text = "Slow and controlled; breathe out as you ease into the position."
    elif item.exercise.pattern == "carry":
        text = "Walk tall with a braced trunk; heavy but never ragged."
    elif item.exercise.timed:
        text = "Hold a steady position with good form."
    else:
        text = "Controlled tempo; stop 2-3 reps short of failure."
    if brief.injuries and item.role in (MAIN, ACCESSORY):
        text += " Stay in a pain-free range."
    return text


def _render_item(brief: TrainingBrief, item: _Item, phase: int, extras: bool) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=item.exercise.id,
        name=item.exercise.name,
        sets=_item_sets(item, phase, extras),
        reps=item.reps,
        duration_seconds=_item_seconds(item, phase),
        distance_km=None,
        rest_seconds=item.rest,
        intensity=_intensity(brief, item, phase),
        notes=_item_notes(brief, item),
    )


def _planned(
    brief: TrainingBrief,
    session: _Session,
    day: Weekday,
    exercises: list[PlannedExercise],
    title: str | None = None,
) -> PlannedSession:
    planned = PlannedSession(
        day=day, title=title or session.title, kind=session.kind, duration_minutes=5, exercises=exercises
    )
    estimate = math.ceil(estimate_session_minutes(planned) - 1e-9)
    planned.duration_minutes = min(brief.minutes_per_session, max(5, estimate))
    return planned
