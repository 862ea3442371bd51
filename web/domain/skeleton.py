"""The periodisation skeleton: per-week targets computed from the brief before any week is written.

Deterministic and pure. Both coaches write each week against its `WeekTarget`, so weeks can be
written in parallel and the plan still progresses; the rules check every week against its target.

The model (see the README's "The skeleton" section):
- Blocks of 4 weeks (3 build + 1 deload) in plans of 6+ weeks; shorter plans build without a deload.
  A race or event named in the brief ends the plan with a taper (1 week, 2 for a half marathon or
  longer in plans of 10+ weeks).
- Running (when asked for, for an endurance goal or for a race): starts from the person's current
  weekly km, rises at most ~8-10% a week towards a ceiling set by the goal and level, drops to ~65%
  in deload weeks, tapers before a race. The long run is ~30% of the week (never shorter than an
  easy run) and builds towards a race-specific length.
- Strength: hard sets per week from the strength sessions and the minutes given, rising through each
  block and a little block on block; rep ranges and RPE by goal, level and block (ACSM 2009:
  beginners 8-15 reps).
- Time: non-run sessions use 80-100% of the minutes given (deloads may be shorter).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from web.domain.brief import TrainingBrief
from web.domain.periods import (
    BLOCK_WEEKS,
    Phase,
    Quality,
    event_week,
    expected_sessions,
    phases,
    running_allowed,
    session_mix,
)
from web.domain.volumes import (
    DELOAD_TIME_USE_MIN,
    EFFORT_LIGHTER,
    RUNNER_TIME_USE_MIN,
    TIME_USE_MIN,
    long_and_quality,
    minutes_floor,
    rep_range,
    rpe,
    run_time_cap_km,
    running_km,
    strength_sets,
)

__all__ = ["Phase", "Quality", "Skeleton", "WeekTarget", "build_skeleton", "expected_sessions", "session_mix"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WeekTarget(_Frozen):
    number: int = Field(ge=1, le=52)
    block: int = Field(ge=1)
    phase: Phase
    is_deload: bool
    focus: str  # one sentence: what this week is for
    # Session mix: how many of the week's sessions are runs, strength (incl. mixed), and other
    # (conditioning, steady cardio, mobility). They add up to the week's session count.
    run_sessions: int = Field(ge=0, le=7)
    strength_sessions: int = Field(ge=0, le=7)
    other_sessions: int = Field(ge=0, le=7)
    # Running, in km (0 when the plan has no running).
    running_km: float = Field(ge=0)
    long_run_km: float = Field(ge=0)
    quality: Quality
    race_km: float | None = None  # the race itself, in its week
    # Strength: hard sets in the week (all strength exercises), reps and effort for main lifts.
    strength_sets: int = Field(ge=0)
    rep_range: tuple[int, int]
    accessory_rep_range: tuple[int, int]
    rpe: float = Field(ge=5, le=10)
    # Time per non-run session, in minutes.
    minutes_min: int = Field(ge=0)
    minutes_max: int = Field(ge=1)

    @property
    def sessions(self) -> int:
        return self.run_sessions + self.strength_sessions + self.other_sessions

    @property
    def reps_text(self) -> str:
        low, high = self.rep_range
        return f"{low}-{high}"


class Skeleton(_Frozen):
    weeks: tuple[WeekTarget, ...]
    block_weeks: int  # weeks per block (the deload is the last of them)
    running: bool
    notes: tuple[str, ...] = ()  # how the person's words shaped the skeleton, for the summary

    def week(self, number: int) -> WeekTarget:
        return self.weeks[number - 1]

    def block_of(self, number: int) -> int:
        return self.weeks[number - 1].block

    @property
    def blocks(self) -> int:
        return max((w.block for w in self.weeks), default=0)


def build_skeleton(brief: TrainingBrief) -> Skeleton:
    """The per-week targets for this brief."""
    weeks_phases = phases(brief)
    runs, strength, other = session_mix(brief)
    race = brief.event is not None and brief.event.kind == "race" and runs > 0
    race_km = brief.event.distance_km if race and brief.event else None  # no running: an event week
    km = running_km(brief, weeks_phases, runs) if runs else [0.0] * brief.weeks
    sets = strength_sets(brief, strength, weeks_phases)
    if brief.effort < 0:  # the log said the plan was too hard: lighter from here on
        km = [
            k if p is Phase.race else k * EFFORT_LIGHTER for k, (p, _) in zip(km, weeks_phases, strict=True)
        ]
        sets = [round(s * EFFORT_LIGHTER) for s in sets]
    weeks = []
    for index, (phase, block) in enumerate(weeks_phases):
        number = index + 1
        week_km = km[index]
        long_km, quality = long_and_quality(brief, phase, block, runs, week_km, race_km)
        deload = phase in (Phase.deload, Phase.taper) or (phase is Phase.race and race_km is None)
        low, high = rep_range(brief, block, phase)
        weeks.append(
            WeekTarget(
                number=number,
                block=block,
                phase=phase,
                is_deload=deload,
                focus=_focus(brief, phase, block),
                run_sessions=runs,
                strength_sessions=strength,
                other_sessions=other,
                running_km=round(week_km, 1),
                long_run_km=math.floor(long_km * 10 + 1e-6) / 10,  # down: it must fit the minutes
                quality=quality,
                race_km=race_km if phase is Phase.race else None,
                strength_sets=sets[index],
                rep_range=(low, high),
                accessory_rep_range=(max(low, 8), max(high, 12) + (3 if high <= 12 else 0)),
                rpe=rpe(brief, block, phase),
                minutes_min=minutes_floor(
                    brief, _time_use(deload or phase is Phase.race, runs), sets[index], strength
                ),
                minutes_max=brief.minutes_per_session,
            )
        )
    return Skeleton(
        weeks=tuple(weeks),
        block_weeks=BLOCK_WEEKS,
        running=runs > 0,
        notes=tuple(_notes(brief, weeks_phases, km, runs) + _time_notes(brief, weeks)),
    )


# Words --------------------------------------------------------------------------------------

_PHASE_FOCUS = {
    Phase.base: "Settle the loads and the routine: finish every set with 2-3 reps in reserve.",
    Phase.build: "Build: add reps within the range, then load; a little more running where it felt easy.",
    Phase.peak: "The hardest week of the block: the most sets and kilometres so far.",
    Phase.deload: "Recover: lighter volume at easy effort, so the next block starts fresh.",
    Phase.taper: "Taper: less volume, a little race-pace work, so you arrive fresh.",
    Phase.race: "Race week: short easy runs, then the race.",
}


def _time_notes(brief: TrainingBrief, weeks: list[WeekTarget]) -> list[str]:
    first = next((w for w in weeks if not w.is_deload and w.strength_sessions), None)
    if (
        first is None
        or first.run_sessions >= 2
        or first.minutes_min >= brief.minutes_per_session * TIME_USE_MIN - 1
    ):
        return []
    return [
        f"Your strength sessions take about {first.minutes_min}-{first.minutes_min + 10} of your "
        f"{brief.minutes_per_session} minutes: at your level more sets would not help yet; they grow as you progress."
    ]


def _time_use(deload: bool, runs: int) -> float:
    """The share of the minutes a non-run session must use. A runner's strength session is kept to
    what supports the running (60%); deloads may be shorter still."""
    if deload:
        return DELOAD_TIME_USE_MIN
    return RUNNER_TIME_USE_MIN if runs >= 2 else TIME_USE_MIN


def _focus(brief: TrainingBrief, phase: Phase, block: int) -> str:
    if phase is Phase.race and brief.event is not None:
        return f"{brief.event.label.capitalize()} week: keep it light and arrive fresh."
    return _PHASE_FOCUS[phase]


def _notes(
    brief: TrainingBrief, plan_phases: list[tuple[Phase, int]], km: list[float], runs: int
) -> list[str]:
    notes = []
    current = brief.current_weekly_running_km
    if runs and current > 0 and km and km[0] < current * 0.9:
        notes.append(
            f"Your {current:g} km a week does not fit {runs} runs of {brief.minutes_per_session} minutes; "
            f"the plan starts at {km[0]:.0f} km. Give more minutes or days to keep your volume."
        )
    elif runs and km and max(km) <= km[0] * 1.05 + 0.5 and len(km) >= 6:
        notes.append(
            f"{runs} runs of {brief.minutes_per_session} minutes hold about {km[0]:.0f} km a week, so the plan "
            "builds the long run, speed and strength rather than kilometres; more minutes or another run "
            "would let the volume grow."
        )
    long_cap = run_time_cap_km(brief, long=True)
    race_km = event.distance_km if (event := brief.event) and event.kind == "race" else None
    if runs and race_km and race_km >= 15 and long_cap < race_km * 0.75:
        notes.append(
            f"{brief.minutes_per_session}-minute sessions hold a long run of about {long_cap:.0f} km; for a "
            f"{race_km:g} km race a longer weekend run helps, so give that session more time if you can."
        )
    if brief.wants_running and not running_allowed(brief):
        notes.append(
            "Running is left out while your ankle is sore; the plan keeps your fitness with low-impact cardio."
        )
    event = brief.event
    if event is not None:
        week = event_week(brief)
        when = f" on {event.date:%-d %B %Y}" if event.date else ""
        if week is None and event.date is not None:
            notes.append(f"Your {event.label}{when} is after this plan ends: this plan builds towards it.")
        elif week is not None:
            tapers = [i + 1 for i, (p, _) in enumerate(plan_phases) if p is Phase.taper]
            taper = (
                f", tapering in week{'s' if len(tapers) > 1 else ''} {' and '.join(map(str, tapers))}"
                if tapers
                else ""
            )
            notes.append(f"Your {event.label}{when} is in week {week}{taper}.")
    return notes
