"""A plan-quality checker written as a strength-and-running coach reads a plan, independently of the
coaches' code: it uses only the plan, the person's answers, the catalogue's facts about an exercise
(its kit, pattern, level) and the rules as a black box. Each finding says what a coach would say."""

from __future__ import annotations

import re
from dataclasses import dataclass

from web.domain.brief import TrainingBrief
from web.domain.catalogue import estimate_session_minutes, get_exercise
from web.domain.enums import Equipment, SessionKind
from web.domain.plan import PlanContent, PlannedWeek
from web.domain.rules import check_plan

BARBELL_KIT = {Equipment.barbell, Equipment.squat_rack}
WISH_EXERCISES = {
    "floor_transfer": {"floor_get_up", "kettlebell_get_up"},
    "carrying": {"farmer_carry", "kettlebell_farmer_carry", "suitcase_carry", "bag_carry"},
}


@dataclass(frozen=True)
class Finding:
    check: str
    week: int | None
    text: str


def _km(week: PlannedWeek) -> float:
    return sum(
        (e.distance_km or 0) * e.sets
        for s in week.sessions
        for e in s.exercises
        if (x := get_exercise(e.exercise_id)) and x.kind == "run"
    )


def _sets(week: PlannedWeek) -> int:
    return sum(
        e.sets
        for s in week.sessions
        for e in s.exercises
        if (x := get_exercise(e.exercise_id)) and x.kind == "strength"
    )


def _ids(week: PlannedWeek) -> set[str]:
    return {e.exercise_id for s in week.sessions for e in s.exercises}


def _wants_running(brief: TrainingBrief) -> bool:
    said = " ".join(brief.free_text).lower()
    return (
        "running" in [a.value for a in brief.activities]
        or brief.goal.value == "endurance"
        or bool(re.search(r"\b(race|marathon|\d+\s*k\b|parkrun)", said))
    )


def check_plan_quality(brief: TrainingBrief, plan: PlanContent) -> list[Finding]:
    out = [Finding("rules", v.week, v.message) for v in check_plan(brief, plan)]
    weeks = plan.weeks
    out += _progression(weeks) + _running(brief, weeks) + _kit(brief, weeks) + _time(brief, weeks)
    out += _reps(brief, weeks) + _words(brief, plan) + _repeats(weeks)
    return out


def _repeats(weeks: list[PlannedWeek]) -> list[Finding]:
    """A strength exercise written twice into one session: a coach would merge the sets. (A run may come
    twice: the easy warm-up and cool-down around intervals.)"""
    out = []
    for week in weeks:
        for session in week.sessions:
            ids = [
                e.exercise_id
                for e in session.exercises
                if (x := get_exercise(e.exercise_id)) and x.is_strength
            ]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                out.append(
                    Finding("repeated_exercise", week.number, f"{session.title}: {', '.join(twice)} twice")
                )
    return out


def _progression(weeks: list[PlannedWeek]) -> list[Finding]:
    out = []
    if len(weeks) >= 8:
        first = [
            (e.exercise_id, e.sets, e.reps, e.distance_km) for s in weeks[0].sessions for e in s.exercises
        ]
        fifth = [
            (e.exercise_id, e.sets, e.reps, e.distance_km) for s in weeks[4].sessions for e in s.exercises
        ]
        if first == fifth:
            out.append(
                Finding("repeated_block", 5, "Week 5 is week 1 again: the second block does not move on.")
            )
        half = len(weeks) // 2
        peak = lambda ws: max((_sets(w), _km(w)) for w in ws)  # noqa: E731
        if peak(weeks[half:]) < peak(weeks[:half]):
            out.append(Finding("no_peak", None, "The second half of the plan peaks lower than the first."))
    builds = [w for w in weeks if not w.is_deload]
    if len(builds) >= 3 and all((_sets(w), _km(w)) == (_sets(builds[0]), _km(builds[0])) for w in builds):
        out.append(
            Finding("flat", None, "Every build week holds the same sets and kilometres: nothing progresses.")
        )
    return out


def _running(brief: TrainingBrief, weeks: list[PlannedWeek]) -> list[Finding]:
    km = [_km(w) for w in weeks]
    if not _wants_running(brief):
        return (
            [Finding("unasked_running", None, "Running in a plan for someone who never asked for it.")]
            if any(km)
            else []
        )
    if "ankle" in [i.value for i in brief.injuries]:
        return []
    out = []
    if not any(km):
        out.append(Finding("no_running", None, "The person wants to run, and the plan has no running."))
        return out
    current = brief.current_weekly_running_km
    fits = (brief.minutes_per_session - 5) / 6.5 * min(brief.sessions_per_week, 4)
    if current >= 10 and km[0] < min(current, fits) * 0.85:
        out.append(
            Finding(
                "volume_cut", 1, f"Week 1 runs {km[0]:.0f} km against the {current:g} km the person runs now."
            )
        )
    for w in weeks:
        runs = [
            sum((e.distance_km or 0) * e.sets for e in s.exercises)
            for s in w.sessions
            if s.kind is SessionKind.run
        ]
        long = [s for s in w.sessions if s.title.lower().startswith("long")]
        if long and len(runs) > 1:
            long_km = sum((e.distance_km or 0) * e.sets for e in long[0].exercises)
            if long_km < max(runs) - 1e-6:
                out.append(
                    Finding("short_long_run", w.number, "The long run is shorter than another run that week.")
                )
    event = brief.event
    if event is not None and event.kind == "race" and len(weeks) >= 6:
        last = weeks[-1]
        if event.date is None and not any(
            (e.distance_km or 0) >= (event.distance_km or 0) * 0.95
            for s in last.sessions
            for e in s.exercises
        ):
            out.append(Finding("no_race", last.number, "The race named in the goal is not on the schedule."))
        if event.date is None and not km[-2] < max(km[:-2]) * 0.8:
            out.append(Finding("no_taper", len(weeks) - 1, "No taper before the race."))
    return out


def _kit(brief: TrainingBrief, weeks: list[PlannedWeek]) -> list[Finding]:
    used = set().union(*(_ids(w) for w in weeks))
    kit_used = {k for i in used if (x := get_exercise(i)) for k in x.equipment}
    out = []
    if (
        set(brief.equipment) >= BARBELL_KIT
        and brief.experience.value != "beginner"
        and Equipment.barbell not in kit_used
    ):
        out.append(Finding("kit_unused", None, "A full rack at home and not one barbell lift."))
    if brief.equipment and not kit_used and brief.goal.value in ("strength", "muscle"):
        out.append(Finding("kit_unused", None, "Kit given, and a bodyweight-only plan for a strength goal."))
    few_options = len(brief.injuries) >= 4 and not brief.equipment  # little left to vary between
    if len(weeks) >= 8 and _ids(weeks[0]) == _ids(weeks[-1]) and _sets(weeks[0]) and not few_options:
        out.append(Finding("no_variation", None, "The same exercises from the first week to the last."))
    return out


def _time(brief: TrainingBrief, weeks: list[PlannedWeek]) -> list[Finding]:
    out = []
    for w in weeks:
        for s in w.sessions:
            minutes = estimate_session_minutes(s)
            if s.kind is not SessionKind.run and minutes > brief.minutes_per_session * 1.15:
                out.append(
                    Finding(
                        "overrun",
                        w.number,
                        f"{s.title} takes {minutes:.0f} of {brief.minutes_per_session} minutes.",
                    )
                )
    strength = [
        estimate_session_minutes(s)
        for w in weeks
        if not w.is_deload
        for s in w.sessions
        if s.kind in (SessionKind.strength, SessionKind.mixed)
    ]
    if strength and brief.experience.value == "advanced" and max(strength) < brief.minutes_per_session * 0.6:
        out.append(
            Finding("time_wasted", None, "An advanced lifter's sessions use under 60% of the time given.")
        )
    return out


def _reps(brief: TrainingBrief, weeks: list[PlannedWeek]) -> list[Finding]:
    out = []
    for w in weeks:
        for s in w.sessions:
            for e in s.exercises:
                x = get_exercise(e.exercise_id)
                if x is None or x.kind != "strength" or not e.reps or x.pattern == "get_up":
                    continue
                low = int(re.findall(r"\d+", e.reps)[0])
                if brief.experience.value == "beginner" and low < 6:
                    out.append(
                        Finding("heavy_beginner", w.number, f"A beginner on {e.name} at {e.reps} reps.")
                    )
                if not x.equipment and not brief.equipment and "add load" in e.notes.lower():
                    out.append(
                        Finding("load_on_bodyweight", w.number, f"'Add load' on {e.name} with no kit.")
                    )
    return out[:5]


def _words(brief: TrainingBrief, plan: PlanContent) -> list[Finding]:
    out = []
    goal_words = {
        "strength": "strength",
        "muscle": "muscle",
        "fat_loss": "fat",
        "endurance": "",
        "general": "",
    }
    event = brief.event
    named = (event.label if event else goal_words[brief.goal.value]).lower()
    if named and named not in (plan.title + plan.summary).lower():
        out.append(Finding("goal_missing", None, f"The title and summary never name the goal ({named})."))
    used = set().union(*(_ids(w) for w in plan.weeks))
    for focus in brief.focus:
        wanted = WISH_EXERCISES.get(focus.value)
        if wanted and not used & wanted and focus.value != "carrying":
            out.append(Finding("wish_ignored", None, f"The wish '{focus.value}' has no exercise for it."))
    return out
