"""Training rules every plan must pass, whoever wrote it.

Each rule is a small function returning `Violation`s. Codes are stable snake_case; messages are
plain English naming the week, day and exercise, so they can go back to an LLM as repair
instructions. `check_week` covers one week (and, given the earlier weeks, its progression);
`check_plan` covers a whole plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from web.domain.brief import TrainingBrief
from web.domain.catalogue import estimate_session_minutes, get_exercise
from web.domain.enums import Weekday
from web.domain.measures import (
    DAY_NAMES,
    MAX_RUNNING_INCREASE,
    RUNNING_FLOOR_KM,
    Violation,
    hard_sets_by_group,
    previous_build_week,
    running_start_cap_km,
    total_hard_sets,
    weekly_running_km,
    where,
)
from web.domain.plan import PlanContent, PlannedExercise, PlannedWeek
from web.domain.rules_targets import check_targets, is_race_session
from web.domain.skeleton import WeekTarget, expected_sessions

MAX_SESSIONS_PER_WEEK = 6  # one full rest day a week is non-negotiable
SESSION_TIME_TOLERANCE = 1.15  # the estimate may exceed the person's minutes by this factor
MAX_HARD_SETS_PER_GROUP = 22
HARD_SETS_JUMP_RATIO = 0.20
HARD_SETS_JUMP_SLACK = 2
DELOAD_MIN_WEEKS = 6
MAX_WEEKS_WITHOUT_DELOAD = 4
DELOAD_MAX_RATIO = 0.70
_EPS = 1e-6

# --------------------------------------------------------------------------------------------
# Schedule


def _check_days(brief: TrainingBrief, week: PlannedWeek) -> list[Violation]:
    out, seen = [], set()
    available = ", ".join(DAY_NAMES[d] for d in brief.days) or "none"
    for session in week.sessions:
        place = where(week, session)
        if session.day not in brief.days:
            message = f"{place}: the person cannot train that day. Use only: {available}."
            out.append(Violation("session_on_unavailable_day", message, week.number))
        elif session.day in seen:
            message = f"{place}: a second session on the same day. Schedule at most one session a day."
            out.append(Violation("duplicate_day", message, week.number))
        seen.add(session.day)
    return out


def _check_session_count(brief: TrainingBrief, week: PlannedWeek) -> list[Violation]:
    expected = expected_sessions(brief)
    allowed = {expected, expected - 1} if week.is_deload and expected > 1 else {expected}
    if len(week.sessions) in allowed:
        return []
    extra = " (a deload week may have one fewer)" if week.is_deload else ""
    message = f"Week {week.number} has {len(week.sessions)} sessions; it must have exactly {expected}{extra}."
    return [Violation("session_count", message, week.number)]


def _check_rest_day(week: PlannedWeek) -> list[Violation]:
    if len({session.day for session in week.sessions}) < len(Weekday):
        return []
    message = f"Week {week.number} has a session every day; keep at least one full rest day."
    return [Violation("no_rest_day", message, week.number)]


def _check_session_length(
    brief: TrainingBrief, week: PlannedWeek, target: WeekTarget | None = None
) -> list[Violation]:
    out, minutes = [], brief.minutes_per_session
    for session in week.sessions:
        if is_race_session(session, target):
            continue  # the race takes as long as it takes
        estimate = estimate_session_minutes(session)
        if session.duration_minutes > minutes or estimate > minutes * SESSION_TIME_TOLERANCE:
            message = (
                f"{where(week, session)}: lasts {session.duration_minutes} min and its sets, rest and "
                f"runs add up to about {estimate:.0f} min, but the person has {minutes} min. Drop "
                "accessory exercises or sets, shorten rests or runs, and set duration_minutes "
                f"to at most {minutes}."
            )
            out.append(Violation("session_too_long", message, week.number))
    return out


# --------------------------------------------------------------------------------------------
# Exercises


def _exercise_problems(brief: TrainingBrief, item: PlannedExercise) -> list[tuple[str, str]]:
    exercise = get_exercise(item.exercise_id)
    if exercise is None:
        return [
            ("unknown_exercise", f"'{item.exercise_id}' is not in the exercise catalogue. Use a listed id.")
        ]
    out, label = [], f"'{exercise.name}' ({exercise.id})"
    missing = [e.value for e in exercise.equipment if e not in brief.equipment]
    if missing:
        text = f"{label} needs {', '.join(missing)}, which the person does not have. Replace it."
        out.append(("missing_equipment", text))
    loaded = [i.value for i in exercise.contraindications if i in brief.injuries]
    if loaded:
        text = f"{label} loads the injured {', '.join(loaded)}. Replace it with a safe alternative."
        out.append(("loads_injury", text))
    return out


def _check_exercises(brief: TrainingBrief, week: PlannedWeek) -> list[Violation]:
    return [
        Violation(code, f"{where(week, session)}: {text}", week.number)
        for session in week.sessions
        for item in session.exercises
        for code, text in _exercise_problems(brief, item)
    ]


# --------------------------------------------------------------------------------------------
# Volume and progression


def _check_hard_set_cap(week: PlannedWeek) -> list[Violation]:
    limit = MAX_HARD_SETS_PER_GROUP
    return [
        Violation(
            "too_many_hard_sets",
            f"Week {week.number} has {sets} hard sets for {group}; keep it at {limit} or fewer per "
            "muscle group a week (remove sets or exercises that train it).",
            week.number,
        )
        for group, sets in sorted(hard_sets_by_group(week).items())
        if sets > limit
    ]


def _check_running_volume(
    brief: TrainingBrief, week: PlannedWeek, earlier: Sequence[PlannedWeek]
) -> list[Violation]:
    base = previous_build_week(earlier)
    if week.is_deload and base is not None:
        return []  # deload_not_lighter covers it
    base_km = weekly_running_km(base) if base is not None else 0.0
    if base is not None and base_km > 0:
        cap, against = base_km * (1 + MAX_RUNNING_INCREASE), f"{base_km:.1f} km in week {base.number}"
    else:
        cap = running_start_cap_km(brief)
        against = f"the person's current {brief.current_weekly_running_km:g} km a week"
    km = weekly_running_km(week)
    if km <= cap + _EPS:
        return []
    message = (
        f"Week {week.number} has {km:.1f} km of running, more than the {cap:.1f} km allowed after "
        f"{against} (at most {MAX_RUNNING_INCREASE:.0%} more, or {RUNNING_FLOOR_KM:g} km to start). "
        "Shorten the runs."
    )
    return [Violation("running_volume_jump", message, week.number)]


def _check_hard_set_jump(week: PlannedWeek, earlier: Sequence[PlannedWeek]) -> list[Violation]:
    base = previous_build_week(earlier)
    if base is None or week.is_deload:
        return []
    before, now, out = hard_sets_by_group(base), hard_sets_by_group(week), []
    for group, sets in sorted(now.items()):
        limit = before[group] * (1 + HARD_SETS_JUMP_RATIO) + HARD_SETS_JUMP_SLACK
        if sets > limit + _EPS:
            message = (
                f"Week {week.number} has {sets} hard sets for {group}, up from {before[group]} in week "
                f"{base.number}; add at most {int(limit)} sets for {group}."
            )
            out.append(Violation("hard_sets_jump", message, week.number))
    return out


def _check_deload_due(
    brief: TrainingBrief, week: PlannedWeek, earlier: Sequence[PlannedWeek]
) -> list[Violation]:
    if brief.weeks < DELOAD_MIN_WEEKS or week.is_deload:
        return []
    run = 1
    for previous in reversed(earlier):
        if previous.is_deload:
            break
        run += 1
    if run <= MAX_WEEKS_WITHOUT_DELOAD:
        return []
    message = (
        f"Week {week.number} is the {run}th hard week in a row; make it (or an earlier week) a "
        f"deload week: at most {MAX_WEEKS_WITHOUT_DELOAD} weeks without a deload."
    )
    return [Violation("missing_deload", message, week.number)]


def _check_deload_lighter(week: PlannedWeek, earlier: Sequence[PlannedWeek]) -> list[Violation]:
    base = previous_build_week(earlier)
    if not week.is_deload or base is None:
        return []
    km, base_km = weekly_running_km(week), weekly_running_km(base)
    sets, base_sets = total_hard_sets(week), total_hard_sets(base)
    if km <= base_km * DELOAD_MAX_RATIO + _EPS and sets <= base_sets * DELOAD_MAX_RATIO + _EPS:
        return []
    message = (
        f"Week {week.number} is a deload but has {km:.1f} km of running and {sets} hard sets against "
        f"{base_km:.1f} km and {base_sets} sets in week {base.number}; cut both to at most "
        f"{DELOAD_MAX_RATIO:.0%}."
    )
    return [Violation("deload_not_lighter", message, week.number)]


# --------------------------------------------------------------------------------------------
# Entry points


def check_week(
    brief: TrainingBrief,
    week: PlannedWeek,
    earlier: Sequence[PlannedWeek] = (),
    target: WeekTarget | None = None,
) -> list[Violation]:
    """Rules for one week; `earlier` (the plan's weeks before it) enables the progression rules,
    `target` (the skeleton's week) the checks against its targets."""
    return [
        *_check_days(brief, week),
        *_check_session_count(brief, week),
        *_check_rest_day(week),
        *_check_session_length(brief, week, target),
        *(check_targets(week, target) if target is not None else ()),
        *_check_exercises(brief, week),
        *_check_hard_set_cap(week),
        # With a target, the week is held to it (+-10%) and the skeleton's targets obey these three
        # progression rules themselves (tests/unit/test_skeleton.py), so weeks written in parallel need
        # not know each other; without one, the week is compared with the weeks before it.
        *(_check_running_volume(brief, week, earlier) if target is None else ()),
        *(_check_hard_set_jump(week, earlier) if target is None else ()),
        *_check_deload_due(brief, week, earlier),
        *(_check_deload_lighter(week, earlier) if target is None else ()),
    ]


def _check_weeks(brief: TrainingBrief, plan: PlanContent) -> list[Violation]:
    out = []
    if len(plan.weeks) != brief.weeks:
        message = f"The plan has {len(plan.weeks)} weeks; it must have exactly {brief.weeks}."
        out.append(Violation("weeks_count", message, None))
    numbers = [week.number for week in plan.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        message = f"Weeks must be numbered 1 to {len(numbers)} in order; got {numbers}."
        out.append(Violation("week_numbering", message, None))
    return out


def check_plan(brief: TrainingBrief, plan: PlanContent) -> list[Violation]:
    """Every rule over a whole plan (and its skeleton's targets, when it has one); an empty list
    means the plan passes."""
    out = _check_weeks(brief, plan)
    targets = plan.skeleton.weeks if plan.skeleton is not None else ()
    for index, week in enumerate(plan.weeks):
        target = targets[index] if index < len(targets) else None
        out.extend(check_week(brief, week, plan.weeks[:index], target))
    return out


def check_rewritten(brief: TrainingBrief, plan: PlanContent, numbers: Sequence[int]) -> list[Violation]:
    """`check_plan` for a changed version: the plan's shape, and every rule on the weeks written anew under
    `brief` (the other weeks passed when they were written, under the brief they were written for)."""
    out = _check_weeks(brief, plan)
    targets = plan.skeleton.weeks if plan.skeleton is not None else ()
    for index, week in enumerate(plan.weeks):
        if week.number in numbers:
            target = targets[index] if index < len(targets) else None
            out.extend(check_week(brief, week, plan.weeks[:index], target))
    return out
