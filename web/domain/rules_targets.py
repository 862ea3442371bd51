"""Rules that check one week against its skeleton target.

The skeleton (web/domain/skeleton.py) sets each week's running km, long run, session mix, hard sets,
main-lift reps and time; these rules hold a written week to them, with room for rounding. Their
messages name the numbers, so they can go back to an LLM as repair instructions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from web.domain.catalogue import estimate_session_minutes, get_exercise
from web.domain.enums import SessionKind
from web.domain.measures import Violation, total_hard_sets, weekly_running_km, where
from web.domain.plan import PlannedSession, PlannedWeek
from web.domain.skeleton import WeekTarget

RUN_KM_TOLERANCE = 0.10  # +-10% of the target's weekly km
RUN_KM_SLACK = 0.6  # plus this much, for rounding to 0.1 km per run
LONG_RUN_MIN_SHARE = 0.85
SETS_MIN_SHARE, SETS_MAX_SHARE, SETS_SLACK = 0.80, 1.15, 1
REPS_SLACK_LOW, REPS_SLACK_HIGH = 1, 2
SKILL_PATTERNS = ("get_up",)  # practised for a few reps: not a main lift whatever its place
_STRENGTH_KINDS = (SessionKind.strength, SessionKind.mixed)


def session_run_km(session: PlannedSession) -> float:
    total = 0.0
    for item in session.exercises:
        exercise = get_exercise(item.exercise_id)
        if exercise is not None and exercise.is_run and item.distance_km:
            total += item.distance_km * item.sets
    return total


def is_race_session(session: PlannedSession, target: WeekTarget | None) -> bool:
    """The race itself: a run of (nearly) the race distance in the race week."""
    if target is None or not target.race_km:
        return False
    return any(
        (item.distance_km or 0) >= target.race_km * 0.95 and item.sets == 1
        for item in session.exercises
        if (exercise := get_exercise(item.exercise_id)) is not None and exercise.is_run
    )


def check_targets(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    return [
        *_deload_flag(week, target),
        *_session_mix(week, target),
        *_running(week, target),
        *_long_run(week, target),
        *_race(week, target),
        *_strength_sets(week, target),
        *_main_reps(week, target),
        *_time_use(week, target),
    ]


def _v(code: str, week: PlannedWeek, message: str) -> list[Violation]:
    return [Violation(code, message, week.number)]


def _deload_flag(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    if week.is_deload == target.is_deload:
        return []
    wanted = "a lighter (deload) week" if target.is_deload else "a normal training week, not a deload"
    return _v(
        "target_deload", week, f"Week {week.number} must be {wanted}: set is_deload to {target.is_deload}."
    )


def _session_mix(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    runs = sum(1 for s in week.sessions if s.kind is SessionKind.run)
    strength = sum(1 for s in week.sessions if s.kind in _STRENGTH_KINDS)
    slack = 1 if target.is_deload else 0
    ok_runs = target.run_sessions - slack <= runs <= target.run_sessions
    ok_strength = target.strength_sessions - slack <= strength <= target.strength_sessions
    if ok_runs and ok_strength:
        return []
    return _v(
        "target_session_mix",
        week,
        f"Week {week.number} has {runs} run and {strength} strength sessions; it must have "
        f"{target.run_sessions} run (kind 'run') and {target.strength_sessions} strength (kind 'strength' "
        f"or 'mixed') sessions, and {target.other_sessions} other (conditioning or mobility).",
    )


def _running(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    km, want = weekly_running_km(week), target.running_km
    if want <= 0:
        if km <= 0:
            return []
        return _v(
            "running_not_wanted",
            week,
            f"Week {week.number} has {km:.1f} km of running, but this plan has no running: the person "
            "did not ask for it. Use the other sessions' kinds instead.",
        )
    low = want * (1 - RUN_KM_TOLERANCE) - RUN_KM_SLACK
    high = want * (1 + RUN_KM_TOLERANCE) + RUN_KM_SLACK
    if low <= km <= high:
        return []
    return _v(
        "target_running_km",
        week,
        f"Week {week.number} has {km:.1f} km of running; its target is {want:.1f} km (keep it between "
        f"{max(low, 0):.1f} and {high:.1f} km, counting distance x sets of every run).",
    )


def _long_run(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    if target.long_run_km <= 0 or target.run_sessions < 2 or target.race_km:
        return []
    runs = [(session_run_km(s), s) for s in week.sessions if s.kind is SessionKind.run]
    if not runs:
        return []
    longest, session = max(runs, key=lambda pair: pair[0])
    others = [km for km, s in runs if s is not session]
    if longest >= target.long_run_km * LONG_RUN_MIN_SHARE and all(longest > km for km in others):
        return []
    return _v(
        "target_long_run",
        week,
        f"Week {week.number}'s longest run is {longest:.1f} km; the long run must be about "
        f"{target.long_run_km:.1f} km and longer than every other run of the week.",
    )


def _race(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    if not target.race_km or any(is_race_session(s, target) for s in week.sessions):
        return []
    return _v(
        "target_race_missing",
        week,
        f"Week {week.number} is race week: schedule the race itself, one run of {target.race_km:g} km, "
        "on the last training day, with only short easy runs before it.",
    )


def _strength_sets(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    if target.strength_sets <= 0:
        return []
    sets, want = total_hard_sets(week), target.strength_sets
    low, high = int(want * SETS_MIN_SHARE), int(want * SETS_MAX_SHARE) + SETS_SLACK
    if low <= sets <= high:
        return []
    return _v(
        "target_strength_sets",
        week,
        f"Week {week.number} has {sets} hard sets of strength work; its target is {want} "
        f"(keep it between {low} and {high}).",
    )


def _main_reps(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    low, high = target.rep_range
    out = []
    for session in week.sessions:
        if session.kind not in _STRENGTH_KINDS:
            continue
        item = next(
            (
                i
                for i in session.exercises
                if (e := get_exercise(i.exercise_id))
                and e.is_strength
                and not e.timed
                and e.pattern not in SKILL_PATTERNS
                and i.reps
            ),
            None,
        )
        numbers = [int(n) for n in re.findall(r"\d+", item.reps or "")] if item else []
        if not numbers or (min(numbers) >= low - REPS_SLACK_LOW and max(numbers) <= high + REPS_SLACK_HIGH):
            continue
        out += _v(
            "target_reps",
            week,
            f"{where(week, session)}: the main lift '{item.name}' has {item.reps} reps; this week's "
            f"range for main lifts is {low}-{high}.",
        )
    return out


def _time_use(week: PlannedWeek, target: WeekTarget) -> list[Violation]:
    out = []
    for session in week.sessions:
        if session.kind is SessionKind.run:
            continue  # runs take the time their distance takes
        minutes = estimate_session_minutes(session)
        if minutes + 1e-6 >= target.minutes_min:
            continue
        out += _v(
            "target_time_use",
            week,
            f"{where(week, session)}: its sets, rest and work add up to about {minutes:.0f} min; use at "
            f"least {target.minutes_min} of the {target.minutes_max} minutes the person has (more sets "
            "or another exercise that serves the goal).",
        )
    return out


BLOCK_CHOICE_MIN_SHARE = 0.5  # at least half a week's strength exercises come from its block's choice


def check_block_choice(week: PlannedWeek, chosen: Sequence[str]) -> list[Violation]:
    """A week keeps to the exercises its outline chose for the block (so the block's lifts can progress
    week on week); it may add others only where those cannot fill the sets."""
    if not chosen:
        return []
    used = {
        item.exercise_id
        for session in week.sessions
        if session.kind in _STRENGTH_KINDS
        for item in session.exercises
        if (exercise := get_exercise(item.exercise_id)) is not None and exercise.is_strength
    }
    if not used or len(used & set(chosen)) >= BLOCK_CHOICE_MIN_SHARE * len(used):
        return []
    return _v(
        "target_block_exercises",
        week,
        f"Week {week.number} uses {len(used & set(chosen))} of the block's chosen exercises among its "
        f"{len(used)} strength exercises; build the strength sessions from the block's exercises "
        f"({', '.join(chosen)}), adding others only where these cannot fill the sets.",
    )
