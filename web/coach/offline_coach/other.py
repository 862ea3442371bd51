"""Conditioning, steady cardio and mobility sessions, sized to the person's minutes."""

from __future__ import annotations

import math

from web.coach.offline_coach import selection
from web.domain.brief import TrainingBrief
from web.domain.catalogue import CatalogueExercise, estimate_session_minutes
from web.domain.enums import SessionKind, Weekday
from web.domain.plan import PlannedExercise, PlannedSession
from web.domain.skeleton import WeekTarget


def _item(
    exercise: CatalogueExercise, sets: int, seconds: int, rest: int, intensity: str, notes: str
) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=exercise.id, name=exercise.name, sets=sets, reps=None, duration_seconds=seconds,
        distance_km=None, rest_seconds=rest, intensity=intensity, notes=notes,
    )  # fmt: skip


def _session(
    brief: TrainingBrief, day: Weekday, title: str, kind: SessionKind, items: list[PlannedExercise]
) -> PlannedSession:
    session = PlannedSession(day=day, title=title, kind=kind, duration_minutes=5, exercises=items)
    session.duration_minutes = max(
        5, min(brief.minutes_per_session, math.ceil(estimate_session_minutes(session) - 1e-9))
    )
    return session


def _goal_minutes(target: WeekTarget) -> float:
    """Aim between the target's floor and ceiling: most of the time given, never over it."""
    return target.minutes_min + 0.6 * (target.minutes_max - target.minutes_min)


def conditioning(brief: TrainingBrief, target: WeekTarget, day: Weekday) -> PlannedSession:
    options = (
        selection.cardio(brief, target.block, "cardio_interval")[:3]
        or selection.cardio(brief, target.block, "cardio_steady")[:1]
    )
    level = ["beginner", "intermediate", "advanced"].index(brief.experience.value)
    work, rest = ((30, 60), (40, 50), (45, 45))[level]
    hard = (
        "Brisk but controlled, RPE 6-7; easy recovery"
        if target.is_deload
        else "Hard efforts, RPE 8; easy recovery"
    )
    rounds = {e.id: 2 for e in options}
    goal = _goal_minutes(target) if not target.is_deload else target.minutes_min + 1
    while True:
        items = [
            _item(
                e, rounds[e.id], work, rest, hard, f"Work {work} s, recover {rest} s; repeat for the rounds."
            )
            for e in options
        ]
        if (
            not items
            or estimate_session_minutes(_session(brief, day, "", SessionKind.conditioning, items)) >= goal
        ):
            break
        grow = min(options, key=lambda e: rounds[e.id])
        if rounds[grow.id] >= 10:
            break
        rounds[grow.id] += 1
    return _with_walk(brief, target, day, "Conditioning intervals", SessionKind.conditioning, items)


def steady(brief: TrainingBrief, target: WeekTarget, day: Weekday) -> PlannedSession:
    options = selection.cardio(brief, target.block, "cardio_steady")
    exercise = options[0]
    minutes = max(10, round((_goal_minutes(target) if not target.is_deload else target.minutes_min + 1) - 5))
    item = _item(
        exercise,
        1,
        minutes * 60,
        0,
        "Easy, conversational pace (RPE 3-4)",
        "Keep it easy enough to hold a conversation.",
    )
    return _session(brief, day, f"Steady cardio: {exercise.name.lower()}", SessionKind.conditioning, [item])


def mobility(brief: TrainingBrief, target: WeekTarget, day: Weekday) -> PlannedSession:
    drills = selection.focus_drills(brief, target.block) + selection.mobility(brief, target.block)
    drills = list({d.id: d for d in drills}.values())[:8]
    sets = {d.id: 2 for d in drills}
    goal = _goal_minutes(target) if not target.is_deload else target.minutes_min + 1
    while True:
        items = [
            _item(
                d,
                sets[d.id],
                d.seconds_per_set,
                15,
                "Gentle, relaxed breathing",
                "Slow and controlled; ease into each position.",
            )
            for d in drills
        ]
        if (
            not items
            or estimate_session_minutes(_session(brief, day, "", SessionKind.mobility, items)) >= goal
        ):
            break
        grow = min(drills, key=lambda d: sets[d.id])
        if sets[grow.id] >= 6:
            break
        sets[grow.id] += 1
    return _with_walk(brief, target, day, "Mobility & balance", SessionKind.mobility, items)


def _with_walk(
    brief: TrainingBrief,
    target: WeekTarget,
    day: Weekday,
    title: str,
    kind: SessionKind,
    items: list[PlannedExercise],
) -> PlannedSession:
    session = _session(brief, day, title, kind, items)
    short = target.minutes_min + 0.5 - estimate_session_minutes(session)
    walk = next(iter(selection.cardio(brief, target.block, "cardio_steady")), None)
    if short > 0 and walk is not None and walk.id not in {e.exercise_id for e in items}:  # the rest: easy
        easy = "Easy, conversational pace (RPE 3-4)"
        items.append(
            _item(walk, 1, math.ceil(short + 1) * 60, 0, easy, "Easy and relaxed: it finishes the session.")
        )
        session = _session(brief, day, f"{title} + an easy walk", kind, items)
    return session
