"""The calendar of a plan: blocks, deloads, the taper before a race, and the weekly session mix."""

from __future__ import annotations

import math
from enum import StrEnum

from web.domain.brief import TrainingBrief

BLOCK_WEEKS = 4  # 3 build weeks + 1 deload
DELOAD_MIN_PLAN_WEEKS = 6  # shorter plans build without a deload
_LEVEL = {"beginner": 0, "intermediate": 1, "advanced": 2}


class Phase(StrEnum):
    base = "base"  # the first weeks: establish loads and habits
    build = "build"
    peak = "peak"  # the hardest week of a block
    deload = "deload"
    taper = "taper"
    race = "race"  # the week of the race or event


class Quality(StrEnum):
    """The one quality run of a running week."""

    none = "none"
    strides = "strides"  # easy run with 4-6 relaxed 20 s strides
    tempo = "tempo"
    intervals = "intervals"
    race_pace = "race_pace"


def level_of(brief: TrainingBrief) -> int:
    level = _LEVEL[brief.experience.value]
    return min(level, 1) if brief.age >= 65 or brief.age < 16 else level


def careful(brief: TrainingBrief) -> bool:
    return brief.age >= 65 or bool({"knee", "hip", "lower_back"} & {i.value for i in brief.injuries})


def expected_sessions(brief: TrainingBrief) -> int:
    """Sessions a (non-deload) week has: as asked, within the available days, at most 6."""
    return min(brief.sessions_per_week, len(set(brief.days)), 6)


def session_mix(brief: TrainingBrief) -> tuple[int, int, int]:
    """(run, strength, other) sessions a week."""
    count = expected_sessions(brief)
    running = brief.wants_running and running_allowed(brief)
    race = brief.event is not None and brief.event.kind == "race"
    if running and (brief.goal.value == "endurance" or race):
        runs = {1: 1, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4}[count] if count else 0
        if count == 6 and level_of(brief) == 2:
            runs = 5
        return runs, count - runs, 0
    if brief.goal.value in ("strength", "muscle"):
        runs = max(1, _runs_to_keep(brief, count)) if running and count >= 3 else 0
        other = 1 if not running and count >= 4 and "conditioning" in brief.activities else 0
        return runs, count - runs - other, other
    strength = {0: 0, 1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 3}[count]
    if brief.goal.value == "endurance":  # endurance without running: steady cardio sessions
        strength = min(strength, max(1, count // 3))
    rest = count - strength
    runs = max(min(rest, 2 if count >= 5 else 1), _runs_to_keep(brief, count)) if running else 0
    strength = min(strength, count - runs)
    return runs, strength, count - runs - strength


def _runs_to_keep(brief: TrainingBrief, count: int) -> int:
    """Runs needed to hold the person's current weekly km in their minutes (at most 3, and never all
    the sessions of a plan whose goal is not endurance)."""
    per_run = max(1.0, (brief.minutes_per_session - 5) / 6.5)
    need = math.ceil(brief.current_weekly_running_km / per_run) if brief.current_weekly_running_km else 0
    return min(need, 3, max(count - 1, 0))


def running_allowed(brief: TrainingBrief) -> bool:
    return "ankle" not in {i.value for i in brief.injuries}


def event_week(brief: TrainingBrief) -> int | None:
    """The plan week of the race or event: its date's week, else the last week (a dated event
    outside the plan has no week)."""
    event = brief.event
    if event is None:
        return None
    if event.week is not None:
        return event.week if event.week <= brief.weeks else None
    if event.date is not None and brief.start_date is not None:
        week = (event.date - brief.start_date).days // 7 + 1
        return week if 1 <= week <= brief.weeks else None
    return brief.weeks if event.date is None else None


def phases(brief: TrainingBrief) -> list[tuple[Phase, int]]:
    n, event = brief.weeks, event_week(brief)
    taper: set[int] = set()
    if event is not None and brief.event is not None and brief.event.kind == "race":
        long_race = (brief.event.distance_km or 0) >= 21
        taper = {event - 1, event - 2} if long_race and n >= 10 else {event - 1} if n >= 4 else set()
        taper = {w for w in taper if w >= 2}
    out: list[tuple[Phase, int]] = []
    block, since_deload = 1, 0
    for number in range(1, n + 1):
        if number == event:
            phase = Phase.race
        elif number in taper:
            phase = Phase.taper
        elif event is not None and number == event + 1:
            phase = Phase.deload  # recover from the race
        elif (
            n >= DELOAD_MIN_PLAN_WEEKS and since_deload == BLOCK_WEEKS - 1 and not _taper_soon(number, taper)
        ):
            phase = Phase.deload
        else:
            phase = (Phase.base, Phase.build, Phase.peak, Phase.peak)[min(since_deload, 3)]
            if block > 1 and phase is Phase.base:
                phase = Phase.build
        out.append((phase, block))
        if phase in (Phase.deload, Phase.race):
            block, since_deload = block + 1, 0
        elif phase is not Phase.taper:
            since_deload += 1
    return out


def _taper_soon(number: int, taper: set[int]) -> bool:
    """A deload right before the taper wastes a week: the taper gives the rest."""
    return bool(taper) and min(taper) - number == 1
