"""The volumes of each week: running km, the long run and its quality session, hard sets, reps, RPE."""

from __future__ import annotations

from web.domain.brief import TrainingBrief
from web.domain.catalogue import allowed_exercises
from web.domain.periods import Phase, Quality, careful, level_of

RUN_GROWTH = 1.08  # per build week; the rules allow 10% on the real distances
RUN_GROWTH_CAREFUL = 1.05  # with a sore knee, hip or back, or at 65+
DELOAD_RUN_RATIO = 0.60  # under the rules' 70%, with room for a build week run a little short
TAPER_RUN_RATIOS = (0.60, 0.50)  # the taper week(s) before a race, as shares of the peak week
EASY_PACE = 6.5  # min/km: the catalogue's easy run (long run 6.75)
LONG_PACE = 6.75
WARM_UP = 5  # minutes the time estimate adds to every session
MIN_RUN_KM = 2.0
LONG_RUN_MAX_SHARE = {1: 1.0, 2: 0.6, 3: 0.45}  # of the week's km; 35% from 4 runs on
GROUP_WEEKLY_CAP = 20  # hard sets per muscle group a week the coaches aim under (the rules allow 22)
COOL_DOWN_ROOM = 12  # minutes of cool-down a strength session may add after its sets
TIME_USE_MIN = 0.80
RUNNER_TIME_USE_MIN = 0.60  # strength in a running plan supports the running
DELOAD_TIME_USE_MIN = 0.50
EFFORT_RPE_STEP = 0.5  # a brief's `effort` (-1, 0, +1: from the training log) moves the main lifts' RPE
EFFORT_LIGHTER = 0.85  # ... and at -1 scales hard sets and running km

# Peak weekly km by race distance (upper bound in km) and level.
_RACE_PEAKS = ((5.5, (15, 25, 35)), (11, (20, 32, 45)), (22, (30, 45, 60)), (43, (40, 60, 80)))
_RACE_LONG_RUN = ((5.5, 9), (11, 14), (22, 19), (43, 32))
_LONG_RUN_CAP = (12, 16, 20)  # without a race, by level
# Minutes one hard set costs with its rest, by goal (main lifts rest longest for strength).
_SET_MINUTES = {"strength": 3.0, "muscle": 2.5, "fat_loss": 2.0, "general": 2.2, "endurance": 2.2}
_WEEKLY_SET_CAP = (36, 60, 80)
_RUNNER_SETS_PER_SESSION = (10, 14, 16)


def run_time_cap_km(brief: TrainingBrief, long: bool = False) -> float:
    """The longest run that fits the person's minutes (the catalogue's paces)."""
    return max(0.0, (brief.minutes_per_session - WARM_UP) / (LONG_PACE if long else EASY_PACE))


def _week_cap_km(brief: TrainingBrief, runs: int) -> float:
    """The most running the week's run sessions can hold in the time given."""
    long = run_time_cap_km(brief, long=True)
    return long + (runs - 1) * min(run_time_cap_km(brief), long * 0.85)  # easy runs stay shorter


def _start_km(brief: TrainingBrief, runs: int) -> float:
    level = level_of(brief)
    current = brief.current_weekly_running_km
    start = current if current > 0 else (4.0, 8.0, 12.0)[level] * (runs / 3 if runs < 3 else 1)
    start = max(start, MIN_RUN_KM * runs)
    if current > 0:
        start = min(start, max(current * 1.1, MIN_RUN_KM * runs))
    return min(start, _week_cap_km(brief, runs))


def _peak_km(brief: TrainingBrief, start: float, runs: int) -> float:
    level = level_of(brief)
    event = brief.event
    if event is not None and event.kind == "race" and event.distance_km:
        peaks = next((p for limit, p in _RACE_PEAKS if event.distance_km <= limit), _RACE_PEAKS[-1][1])
        peak = max(peaks[level], start * 1.25)  # someone already running near it still builds
    elif brief.goal.value == "endurance":
        peak = max(start * 1.4, (15, 25, 40)[level])
    else:
        peak = max(start * 1.2, (6, 10, 15)[level] * min(runs, 2) / 2)
    return min(max(peak, start), _week_cap_km(brief, runs))


def running_km(brief: TrainingBrief, phases: list[tuple[Phase, int]], runs: int) -> list[float]:
    start = _start_km(brief, runs)
    peak = _peak_km(brief, start, runs)
    growth = RUN_GROWTH_CAREFUL if careful(brief) else RUN_GROWTH
    out: list[float] = []
    build: float | None = None  # the last build week's km
    taper_index = 0
    for phase, _block in phases:
        if phase is Phase.deload:
            km = (build or start) * DELOAD_RUN_RATIO
        elif phase is Phase.taper:
            km = (build or start) * TAPER_RUN_RATIOS[min(taper_index, 1)]
            taper_index += 1
        elif phase is Phase.race:
            race = brief.event.distance_km if brief.event and brief.event.kind == "race" else None
            km = _race_week_km(brief, build or start, race, runs)
        else:
            km = start if build is None else min(build * growth, max(peak, build))
            build = km
        out.append(km)
    return out


def _race_week_km(brief: TrainingBrief, peak: float, race_km: float | None, runs: int) -> float:
    if race_km is None:  # an event week (a hike, a wedding): lighter
        return peak * DELOAD_RUN_RATIO
    shakeouts = max(runs - 1, 0) * max(MIN_RUN_KM, min(5.0, peak * 0.1))
    return race_km + shakeouts  # the race is run whatever the weeks before held


def long_and_quality(
    brief: TrainingBrief, phase: Phase, block: int, runs: int, week_km: float, race_km: float | None
) -> tuple[float, Quality]:
    if runs == 0 or week_km <= 0:
        return 0.0, Quality.none
    if phase is Phase.race:
        return race_km or 0.0, Quality.none
    share = {1: 1.0, 2: 0.6, 3: 0.42}.get(runs, 0.32)
    level = level_of(brief)
    cap = _LONG_RUN_CAP[level]
    if race_km:
        cap = next((c for limit, c in _RACE_LONG_RUN if race_km <= limit), _RACE_LONG_RUN[-1][1])
    long = min(week_km * share, cap, run_time_cap_km(brief, long=True))
    building = phase in (Phase.base, Phase.build, Phase.peak)
    if race_km and runs > 1 and building:  # build the long run towards the race distance
        room = min(week_km - MIN_RUN_KM * (runs - 1), week_km * LONG_RUN_MAX_SHARE.get(runs, 0.35))
        long = max(long, min(race_km * 0.8, cap, room, run_time_cap_km(brief, long=True)))
    if runs > 1:
        easy = (week_km - long) / (runs - 1)
        long = max(long, min(easy * 1.25, run_time_cap_km(brief, long=True)))  # longer than an easy run
    return long, _quality(brief, phase, block, runs, race_km)


def _quality(brief: TrainingBrief, phase: Phase, block: int, runs: int, race_km: float | None) -> Quality:
    level = level_of(brief)
    if runs < 3 or phase is Phase.deload:
        return Quality.strides if runs >= 2 and level > 0 else Quality.none
    if phase is Phase.taper:
        return Quality.race_pace if race_km else Quality.strides
    if level == 0:
        return Quality.strides if block == 1 else Quality.tempo
    intervals_ok = "knee" not in {i.value for i in brief.injuries} and "hip" not in {
        i.value for i in brief.injuries
    }
    if race_km and block >= 3:
        return Quality.race_pace
    if block == 1 and level == 1:
        return Quality.strides
    return Quality.intervals if block % 2 == 0 and intervals_ok else Quality.tempo


def strength_sets(brief: TrainingBrief, sessions: int, phases: list[tuple[Phase, int]]) -> list[int]:
    """Hard sets a week: a share of what the strength sessions hold in the time given, rising
    through each block and block on block; deloads and tapers at 60% of the last build week."""
    if sessions == 0:
        return [0] * len(phases)
    level = level_of(brief)
    per_session = (brief.minutes_per_session - WARM_UP) / _SET_MINUTES[brief.goal.value]
    if brief.goal.value == "endurance" or (brief.event and brief.event.kind == "race"):
        per_session = min(per_session, _RUNNER_SETS_PER_SESSION[level])
    full = min(per_session * sessions, _WEEKLY_SET_CAP[level], _reachable_sets(brief))
    out: list[int] = []
    last_build, in_block = round(full * 0.78), 0
    for phase, block in phases:
        if phase in (Phase.deload, Phase.taper, Phase.race):
            out.append(max(sessions, int(last_build * 0.6)))
            in_block = 0
            continue
        share = min(1.0, (0.78, 0.84, 0.88)[min(block, 3) - 1] + 0.06 * min(in_block, 2))
        last_build = max(sessions * 2, round(full * share))
        out.append(last_build)
        in_block += 1
    return out


def _reachable_sets(brief: TrainingBrief) -> float:
    """What the muscle groups this person can train (kit and injuries allowing) hold a week under the
    rules' per-group cap: each set counts for ~3 groups, with room."""
    groups = {
        group
        for exercise in allowed_exercises(brief)
        if exercise.is_strength
        for group in exercise.muscle_groups
    }
    return len(groups) * GROUP_WEEKLY_CAP / (3.2 if len(groups) < 9 else 2.3)


def rep_range(brief: TrainingBrief, block: int, phase: Phase) -> tuple[int, int]:
    """Main-lift reps by goal, level and block (ACSM 2009: novices 8-12, 10-15 for the older)."""
    level, goal = level_of(brief), brief.goal.value
    if phase in (Phase.deload, Phase.taper, Phase.race):
        block = max(1, block - 1)
    if brief.age >= 65:
        return (10, 15) if block == 1 else (8, 12)
    if level == 0:
        return (10, 15) if block == 1 and goal != "strength" else (8, 12) if block <= 2 else (8, 10)
    waves = {
        "strength": [(6, 8), (5, 6), (3, 5)] if level == 1 else [(5, 6), (3, 5), (2, 4)],
        "muscle": [(8, 12), (6, 10), (10, 15)],
        "fat_loss": [(10, 15), (8, 12)],
        "general": [(10, 12), (8, 10)],
        "endurance": [(10, 12), (8, 10)],
    }[goal]
    return waves[(block - 1) % len(waves)] if goal != "strength" else waves[min(block - 1, len(waves) - 1)]


def rpe(brief: TrainingBrief, block: int, phase: Phase) -> float:
    level = level_of(brief)
    if phase in (Phase.deload, Phase.taper, Phase.race):
        return 6.0
    base = (6.5, 7.0, 7.5)[level] + min(block - 1, 2) * 0.25
    bump = {Phase.base: 0.0, Phase.build: 0.5, Phase.peak: 1.0}[phase]
    ceiling = 7.5 if brief.age >= 65 or level == 0 else 9.0
    return max(min(base + bump + EFFORT_RPE_STEP * brief.effort, ceiling), 6.0)


def minutes_floor(brief: TrainingBrief, share: float, week_sets: int, strength_sessions: int) -> int:
    """The least a non-run session must last: `share` of the minutes, unless the week's hard sets
    (capped by level) fill less than that; then what the sets need plus a cool-down. A beginner
    with 90 minutes is not given 90 minutes of sets to fill them."""
    wanted = brief.minutes_per_session * share
    if strength_sessions == 0:
        return round(wanted)
    need = WARM_UP + week_sets / strength_sessions * _SET_MINUTES[brief.goal.value] + COOL_DOWN_ROOM
    return round(min(wanted, need))
