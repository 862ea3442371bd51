"""Why this plan: for each hard constraint the person gave, how the plan respects it, in numbers.

Computed when the plan is made (the brief is at hand then) and saved with it; the plan page and the
API show it. The weekly load (hard sets and running km per week) is measured from the plan itself.
"""

from __future__ import annotations

from web.domain.brief import TrainingBrief
from web.domain.catalogue import all_exercises, allowed_exercises, estimate_session_minutes, get_exercise
from web.domain.enums import SessionKind
from web.domain.measures import DAY_NAMES, total_hard_sets, weekly_running_km
from web.domain.plan import Constraint, PlannedWeek, WeekLoad


def weekly_load(weeks: list[PlannedWeek]) -> list[WeekLoad]:
    return [
        WeekLoad(
            number=w.number,
            hard_sets=total_hard_sets(w),
            running_km=round(weekly_running_km(w), 1),
            is_deload=w.is_deload,
        )
        for w in weeks
    ]


def explain(brief: TrainingBrief, weeks: list[PlannedWeek]) -> list[Constraint]:
    """The constraints and how the weeks respect them."""
    if not weeks:
        return []
    return [
        _days(brief, weeks),
        _minutes(brief, weeks),
        _equipment(brief, weeks),
        *(_injury(brief, weeks, injury) for injury in brief.injuries),
        _running(brief, weeks),
    ]


def _used_ids(weeks: list[PlannedWeek]) -> set[str]:
    return {e.exercise_id for w in weeks for s in w.sessions for e in s.exercises}


def _days(brief: TrainingBrief, weeks: list[PlannedWeek]) -> Constraint:
    used = sorted({s.day for w in weeks for s in w.sessions}, key=list(DAY_NAMES).index)
    names = ", ".join(DAY_NAMES[d] for d in used) or "none"
    most = max(len(w.sessions) for w in weeks)
    text = f"Trains on {names}: only days you gave, at most one session a day and at least one rest day."
    if most < brief.sessions_per_week:
        text += f" {most} sessions a week instead of the {brief.sessions_per_week} asked, to keep a rest day."
    return Constraint(code="days", status="respected", text=text)


def _minutes(brief: TrainingBrief, weeks: list[PlannedWeek]) -> Constraint:
    lengths = [
        estimate_session_minutes(s) for w in weeks for s in w.sessions if s.kind is not SessionKind.run
    ]
    if not lengths:
        return Constraint(
            code="minutes", status="respected", text="Every session is a run sized to your minutes."
        )
    text = (
        f"Sessions last {min(lengths):.0f}-{max(lengths):.0f} minutes (sets, rest and a warm-up) against "
        f"your {brief.minutes_per_session}."
    )
    return Constraint(code="minutes", status="respected", text=text)


def _equipment(brief: TrainingBrief, weeks: list[PlannedWeek]) -> Constraint:
    used_kit = {item for i in _used_ids(weeks) if (e := get_exercise(i)) for item in e.equipment}
    if not brief.equipment:
        return Constraint(
            code="equipment", status="respected", text="Bodyweight only: no exercise needs kit."
        )
    using = [k.value.replace("_", " ") for k in brief.equipment if k in used_kit]
    unused = [k.value.replace("_", " ") for k in brief.equipment if k not in used_kit]
    text = f"Uses your {', '.join(using) or 'bodyweight'}"
    text += f"; not needed for this goal: {', '.join(unused)}." if unused else "."
    return Constraint(code="equipment", status="respected", text=text)


def _injury(brief: TrainingBrief, weeks: list[PlannedWeek], injury) -> Constraint:
    allowed = {e.id for e in allowed_exercises(brief)}
    used = [e for i in sorted(_used_ids(weeks)) if (e := get_exercise(i)) and e.kind in ("strength", "run")]
    loaded = [
        e for e in all_exercises()
        if injury in e.contraindications and e.kind in ("strength", "run") and set(e.equipment) <= set(brief.equipment)
    ]  # fmt: skip
    patterns = {e.pattern for e in loaded}
    avoided = sorted(e.name for e in loaded if e.pattern in {u.pattern for u in used})
    swaps = sorted(e.name for e in used if e.id in allowed and e.pattern in patterns)
    name = injury.value.replace("_", " ")
    text = f"{name.capitalize()}: nothing in the plan loads it."
    details = [f"Left out: {', '.join(avoided[:6])}."] if avoided else []
    if swaps:
        details.append(f"In their place: {', '.join(swaps[:6])}.")
    return Constraint(code=f"injury:{injury.value}", status="adapted", text=text, details=details)


def _running(brief: TrainingBrief, weeks: list[PlannedWeek]) -> Constraint:
    km = [weekly_running_km(w) for w in weeks]
    if not any(km):
        text = (
            "No running: you did not ask for it."
            if not brief.wants_running
            else "No running while your ankle heals."
        )
        return Constraint(code="running", status="respected", text=text)
    text = (
        f"Running starts at {km[0]:.0f} km a week (you run {brief.current_weekly_running_km:g} km now), peaks at "
        f"{max(km):.0f} km, and rises by at most about 10% a build week."
    )
    return Constraint(code="running", status="respected", text=text)
