"""Strength sessions written to the week's target: its hard sets, its rep range and RPE, and the
person's minutes (80-100% used: rest and a cool-down fill what the sets leave)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from web.domain.brief import TrainingBrief
from web.domain.catalogue import CatalogueExercise, estimate_session_minutes
from web.domain.enums import Equipment, Goal, SessionKind, Weekday
from web.domain.plan import PlannedExercise, PlannedSession
from web.domain.skeleton import WeekTarget

MAIN, ACCESSORY, COOLDOWN = "main", "accessory", "cooldown"
MAX_SETS = {MAIN: 6, ACCESSORY: 5}
# (main, accessory) rest in seconds, by goal: longest for heavy strength work.
REST = {
    Goal.strength: (180, 90), Goal.muscle: (120, 75), Goal.fat_loss: (75, 45),
    Goal.general: (90, 60), Goal.endurance: (90, 60),
}  # fmt: skip
MIN_REST = {MAIN: 60, ACCESSORY: 30}
MAX_COOLDOWN_DRILLS = 8
MAX_REST = {MAIN: 240, ACCESSORY: 120}
_PER_SIDE = {"single_leg", "carry"}


@dataclass
class Item:
    """One exercise of a session being written."""

    exercise: CatalogueExercise
    role: str
    sets: int
    rest: int
    seconds: int | None = None  # work per set, when not the catalogue's (an easy cardio cool-down)


def session_sets(target: WeekTarget, sessions: int) -> list[int]:
    """The week's hard sets shared out over its strength sessions."""
    if sessions == 0:
        return []
    base, extra = divmod(target.strength_sets, sessions)
    return [base + (1 if i < extra else 0) for i in range(sessions)]


def allot(items: list[Item], total: int) -> None:
    """Share `total` sets over the items: main lifts get half as many again as accessories."""
    strength = [i for i in items if i.role in (MAIN, ACCESSORY)]
    while len(strength) > 1 and total < 2 * len(strength):  # two sets at least, or leave the exercise out
        dropped = (
            next(i for i in reversed(strength) if i.role == ACCESSORY)
            if any(i.role == ACCESSORY for i in strength)
            else strength[-1]
        )
        strength.remove(dropped)
        items.remove(dropped)
    if not strength:
        return
    weight = sum(1.5 if i.role == MAIN else 1.0 for i in strength)
    unit = total / weight
    for item in strength:
        share = unit * (1.5 if item.role == MAIN else 1.0)
        item.sets = max(min(2, total), min(MAX_SETS[item.role], round(share)))
    for _ in range(100):  # settle the rounding: add to mains first, take from accessories first
        diff = total - sum(i.sets for i in strength)
        if diff == 0:
            break
        order = strength if diff > 0 else list(reversed(strength))
        floor = 2 if total >= 2 * len(strength) else 1
        movable = [i for i in order if (i.sets < MAX_SETS[i.role] if diff > 0 else i.sets > floor)]
        if not movable:
            break
        movable[0].sets += 1 if diff > 0 else -1


def minutes(brief: TrainingBrief, target: WeekTarget, items: list[Item]) -> float:
    return estimate_session_minutes(render(brief, target, items, Weekday.mon, "", SessionKind.strength))


def fit_time(
    brief: TrainingBrief,
    target: WeekTarget,
    items: list[Item],
    drills: list[CatalogueExercise],
    max_sets: int,
    steady: CatalogueExercise | None = None,
    may_add: Callable[[Item], bool] = lambda item: True,
) -> None:
    """Shorten rests while the session runs over. While it uses less than the target's share of the
    minutes: longer rests (heavy work likes them), then a set more (up to `max_sets`, inside the
    rules' allowance), then cool-down drills."""
    low, high = target.minutes_min + 0.5, target.minutes_max
    for _ in range(60):
        if minutes(brief, target, items) <= high:
            break
        longest = max(items, key=lambda i: (i.rest - MIN_REST.get(i.role, 0), i.role == ACCESSORY))
        if longest.rest - MIN_REST.get(longest.role, 0) < 15:
            break
        longest.rest -= 15
    drills = list(drills)
    for _ in range(400):
        if minutes(brief, target, items) >= low:
            break
        work = [i for i in items if i.role in (MAIN, ACCESSORY)]
        growing = [i for i in work if i.rest + 15 <= MAX_REST[i.role]]
        shortest = min(growing, key=lambda i: (i.role != MAIN, i.rest), default=None)
        if shortest is not None:
            shortest.rest += 15
            continue
        room = [i for i in work if i.sets < MAX_SETS[i.role] and may_add(i)]
        if room and sum(i.sets for i in work) < max_sets:
            chosen = min(room, key=lambda i: (i.sets, i.role == MAIN))
            chosen.sets += 1
            continue
        if not drills or sum(1 for i in items if i.role == COOLDOWN) >= MAX_COOLDOWN_DRILLS:
            break
        items.append(Item(drills.pop(0), COOLDOWN, 3 if target.is_deload else 2, 15))
    short = low - minutes(brief, target, items)
    if short > 0 and steady is not None:  # what is left: an easy cardio cool-down of just that length
        items.append(Item(steady, COOLDOWN, 1, 0, seconds=math.ceil(short + 1) * 60))
    while minutes(brief, target, items) > high and items and items[-1].role == COOLDOWN:
        items.pop()


def reps_for(exercise: CatalogueExercise, role: str, target: WeekTarget) -> str | None:
    if exercise.timed or role == COOLDOWN:
        return None
    if exercise.pattern == "get_up":
        return "3-5"  # a skill practised a few times, not a set to fatigue
    low, high = target.rep_range if role == MAIN else target.accessory_rep_range
    side = " each side" if exercise.pattern in _PER_SIDE or "single" in exercise.id else ""
    return f"{low}-{high}{side}"


def seconds_for(exercise: CatalogueExercise, target: WeekTarget) -> int | None:
    if not exercise.timed:
        return None
    grow = 0 if target.is_deload else 5 * min(target.block - 1, 3)
    return exercise.seconds_per_set + grow


def intensity(role: str, target: WeekTarget, exercise: CatalogueExercise | None = None) -> str:
    if role == COOLDOWN and exercise is not None and exercise.kind == "cardio":
        return "Easy, conversational pace (RPE 3-4)"
    if role == COOLDOWN:
        return "Gentle, relaxed breathing"
    if target.is_deload:
        return "RPE 6: light and crisp, about 4 reps in reserve"
    rpe = target.rpe if role == MAIN else max(6.0, target.rpe - 0.5)
    return f"RPE {rpe:g}"


def progression_note(exercise: CatalogueExercise, role: str, target: WeekTarget) -> str:
    if role == COOLDOWN and exercise.kind == "cardio":
        return "An easy cool-down: it uses the rest of your time and helps recovery."
    if role == COOLDOWN:
        return "Slow and controlled; breathe out as you ease into the position."
    if target.is_deload:
        return "Same movement, lighter: leave about 4 reps in reserve."
    if exercise.timed:
        return "Hold steady with good form; add 5 seconds when it feels easy."
    low, high = target.rep_range if role == MAIN else target.accessory_rep_range
    kit = set(exercise.equipment)
    if Equipment.barbell in kit:
        step = "add 2.5 kg (5 kg on squats and deadlifts)"
    elif Equipment.dumbbells in kit:
        step = "move to the next dumbbell"
    elif Equipment.kettlebell in kit:
        step = "move to the next kettlebell"
    elif kit & {Equipment.resistance_bands, Equipment.cable_machine}:
        step = "use the next band or one more plate"
    else:
        return (
            f"When every set reaches {high} reps with good form, slow the lowering to 3 seconds; "
            "the next block moves you to a harder version."
        )
    return f"Double progression: when every set reaches {high} reps, {step} and start again at {low}."


def render(
    brief: TrainingBrief, target: WeekTarget, items: list[Item], day: Weekday, title: str, kind: SessionKind
) -> PlannedSession:
    exercises = [
        PlannedExercise(
            exercise_id=i.exercise.id,
            name=i.exercise.name,
            sets=i.sets,
            reps=reps_for(i.exercise, i.role, target),
            duration_seconds=i.seconds
            or (seconds_for(i.exercise, target) if i.role != COOLDOWN else i.exercise.seconds_per_set),
            distance_km=None,
            rest_seconds=i.rest,
            intensity=intensity(i.role, target, i.exercise),
            notes=progression_note(i.exercise, i.role, target),
        )
        for i in items
    ]
    session = PlannedSession(
        day=day, title=title or "Strength", kind=kind, duration_minutes=5, exercises=exercises or []
    )
    estimate = math.ceil(estimate_session_minutes(session) - 1e-9)
    session.duration_minutes = max(5, min(brief.minutes_per_session, estimate))
    return session
