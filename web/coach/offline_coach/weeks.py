"""Blueprint and weeks, and the public builders of weeks and the outline."""

from __future__ import annotations

from functools import lru_cache

from web.coach.offline_coach.blueprint import _Blueprint, _make_session, _pick_days, _Picker, _split
from web.coach.offline_coach.dosing import DELOAD, DELOAD_EVERY, PEAK
from web.coach.offline_coach.fitting import _extras_safe, _fit, _trim_groups
from web.coach.offline_coach.runs import (
    _deload_runs,
    _next_run_target,
    _run_volume,
    _settle_quality_runs,
    _week_run_items,
)
from web.coach.offline_coach.sets_reps import _planned, _render_item
from web.domain.brief import TrainingBrief
from web.domain.enums import Goal
from web.domain.plan import PlannedWeek, PlanOutline, WeekOutline
from web.domain.rules import DAY_NAMES, DELOAD_MIN_WEEKS, expected_sessions, weekly_running_km


def _blueprint(brief: TrainingBrief) -> _Blueprint:
    count = expected_sessions(brief)
    picker = _Picker(brief)
    keys = _split(brief, count) if count else []
    sessions = [_make_session(brief, key, picker, i) for i, key in enumerate(keys)]
    for session in sessions:
        if session.run is None:
            _fit(brief, session)
    _trim_groups(sessions)
    start, top, growth = _run_volume(brief, sum(1 for s in sessions if s.run))
    bp = _Blueprint(
        brief, _pick_days(brief, count), sessions, _extras_safe(sessions), start, top, growth, picker.by_id
    )
    _settle_quality_runs(bp)
    return bp


def is_deload_week(brief: TrainingBrief, number: int) -> bool:
    return brief.weeks >= DELOAD_MIN_WEEKS and number % DELOAD_EVERY == 0


def _phase(brief: TrainingBrief, number: int) -> int:
    if is_deload_week(brief, number):
        return DELOAD
    if brief.weeks >= DELOAD_MIN_WEEKS:
        return (number - 1) % DELOAD_EVERY
    return min(number - 1, PEAK)


_PHASES = (
    ("Establish", "Learn the sessions and settle the loads, finishing every set with 2-3 reps in reserve."),
    ("Build", "Add a little load, a rep or a few hundred metres where last week felt comfortable."),
    ("Push", "The hardest week of the block: main lifts get an extra set where it is safe."),
)


def _theme(brief: TrainingBrief, number: int) -> tuple[str, str]:
    phase = _phase(brief, number)
    if phase == DELOAD:
        return "Deload", "Recover: about 60% of the usual volume at easy effort, so the next block starts."
    name, focus = _PHASES[phase]
    if brief.weeks >= DELOAD_MIN_WEEKS:
        return f"Block {(number - 1) // DELOAD_EVERY + 1}: {name}", focus
    if phase == PEAK and number > PEAK + 1:
        return "Consolidate", "Repeat the push week's work with cleaner technique and steadier pacing."
    return name, focus


def _week_notes(brief: TrainingBrief, number: int) -> str:
    notes = [_theme(brief, number)[1]]
    if brief.injuries:
        injured = ", ".join(i.value.replace("_", " ") for i in brief.injuries)
        notes.append(f"Skip or ease off anything that provokes pain in the {injured}.")
    notes.append("Sleep, protein and a full rest day are part of the plan.")
    return " ".join(notes)[:500]


def _render_week(bp: _Blueprint, number: int, target_km: float, previous: PlannedWeek | None) -> PlannedWeek:
    brief, phase = bp.brief, _phase(bp.brief, number)
    runs = iter(_week_run_items(bp, target_km)) if phase != DELOAD else iter(())
    sessions = []
    for index, (session, day) in enumerate(zip(bp.sessions, bp.days, strict=True)):
        if session.run is not None and phase == DELOAD:
            assert previous is not None
            exercises = _deload_runs(previous.sessions[index].exercises)
        elif session.run is not None:
            exercises = next(runs)
        else:
            exercises = [_render_item(brief, item, phase, bp.extras) for item in session.items]
        title = f"{session.title} (deload)" if phase == DELOAD else session.title
        sessions.append(_planned(brief, session, day, exercises, title))
    theme = _theme(brief, number)[0]
    return PlannedWeek(
        number=number,
        theme=theme,
        is_deload=phase == DELOAD,
        sessions=sessions,
        notes=_week_notes(brief, number),
    )


@lru_cache(maxsize=32)
def _weeks_for(brief_json: str, count: int) -> tuple[PlannedWeek, ...]:
    brief = TrainingBrief.model_validate_json(brief_json)
    bp = _blueprint(brief)
    weeks: list[PlannedWeek] = []
    target: float | None = None
    previous: PlannedWeek | None = None
    for number in range(1, count + 1):
        if _phase(brief, number) == DELOAD:
            weeks.append(_render_week(bp, number, 0.0, previous))
            continue
        previous_km = weekly_running_km(previous) if previous else 0.0
        target = _next_run_target(bp, target, previous_km)
        previous = _render_week(bp, number, target, None)
        weeks.append(previous)
    return tuple(weeks)


# --------------------------------------------------------------------------------------------
# Public builders


def build_week(brief: TrainingBrief, number: int, outline: PlanOutline | None = None) -> PlannedWeek:
    """Week `number` of the plan for `brief`; its theme comes from the outline when they agree."""
    if number < 1:
        raise ValueError(f"week numbers start at 1, got {number}")
    week = _weeks_for(brief.model_dump_json(), max(brief.weeks, number))[number - 1].model_copy(deep=True)
    planned = next((w for w in outline.weeks if w.number == number), None) if outline else None
    if planned is not None and planned.is_deload == week.is_deload:
        week.theme = planned.theme
    return week


def build_weeks(brief: TrainingBrief) -> list[PlannedWeek]:
    return [week.model_copy(deep=True) for week in _weeks_for(brief.model_dump_json(), brief.weeks)]


_GOAL_TITLES = {
    Goal.strength: "strength", Goal.muscle: "muscle-building", Goal.fat_loss: "fat-loss",
    Goal.endurance: "endurance", Goal.general: "general fitness",
}  # fmt: skip


def build_outline(brief: TrainingBrief) -> PlanOutline:
    bp = _blueprint(brief)
    days = ", ".join(DAY_NAMES[d] for d in bp.days) or "no days yet"
    sessions = ", ".join(dict.fromkeys(s.title for s in bp.sessions)) or "none"
    deloads = (
        f"Every {DELOAD_EVERY}th week is a lighter deload week."
        if brief.weeks >= DELOAD_MIN_WEEKS
        else "The plan is short, so it builds steadily without a deload week."
    )
    summary = (
        f"{len(bp.sessions)} sessions a week ({days}), up to {brief.minutes_per_session} minutes each. "
        f"Sessions: {sessions}. Each block moves from establishing the loads to building and pushing "
        f"them. {deloads}"
    )
    weeks = [
        WeekOutline(
            number=n,
            theme=_theme(brief, n)[0],
            is_deload=is_deload_week(brief, n),
            focus=_theme(brief, n)[1][:200],
        )
        for n in range(1, brief.weeks + 1)
    ]
    title = f"{brief.weeks}-week {_GOAL_TITLES[brief.goal]} plan"
    return PlanOutline(title=title, summary=summary[:600], weeks=weeks)
