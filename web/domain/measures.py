"""Measures of a planned week that the rules, the coaches and the plan page share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from web.domain.brief import TrainingBrief
from web.domain.catalogue import get_exercise
from web.domain.enums import Weekday
from web.domain.plan import PlannedSession, PlannedWeek

MAX_RUNNING_INCREASE = 0.10
RUNNING_FLOOR_KM = 10.0  # a first week may always hold this much easy running

DAY_NAMES = {
    Weekday.mon: "Monday", Weekday.tue: "Tuesday", Weekday.wed: "Wednesday", Weekday.thu: "Thursday",
    Weekday.fri: "Friday", Weekday.sat: "Saturday", Weekday.sun: "Sunday",
}  # fmt: skip


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    week: int | None


def running_start_cap_km(brief: TrainingBrief) -> float:
    """The most running a first week (or a week after no running at all) may hold."""
    return max(brief.current_weekly_running_km * (1 + MAX_RUNNING_INCREASE), RUNNING_FLOOR_KM)


def weekly_running_km(week: PlannedWeek) -> float:
    """Distance of run-kind exercises times their sets, over the week."""
    total = 0.0
    for session in week.sessions:
        for item in session.exercises:
            exercise = get_exercise(item.exercise_id)
            if exercise is not None and exercise.is_run and item.distance_km:
                total += item.distance_km * item.sets
    return total


def hard_sets_by_group(week: PlannedWeek) -> Counter[str]:
    """Sets of strength exercises per muscle group; a set counts for every group it lists."""
    sets: Counter[str] = Counter()
    for session in week.sessions:
        for item in session.exercises:
            exercise = get_exercise(item.exercise_id)
            if exercise is not None and exercise.is_strength:
                for group in exercise.muscle_groups:
                    sets[group] += item.sets
    return sets


def total_hard_sets(week: PlannedWeek) -> int:
    sets = 0
    for session in week.sessions:
        for item in session.exercises:
            exercise = get_exercise(item.exercise_id)
            if exercise is not None and exercise.is_strength:
                sets += item.sets
    return sets


def where(week: PlannedWeek, session: PlannedSession) -> str:
    return f"Week {week.number}, {DAY_NAMES[session.day]} ({session.title})"


def previous_build_week(earlier: Sequence[PlannedWeek]) -> PlannedWeek | None:
    return next((w for w in reversed(earlier) if not w.is_deload), None)
