"""A deterministic coach that needs no LLM: the fallback, and the reference the rules are tested with.

The plan is built in three steps:

1. a *blueprint*: the training days, the split (which session on which day) and the exercises of
   every session, fitted to the person's minutes at the heaviest week of a block;
2. a *running schedule*: weekly kilometres growing at most ~8% a week, checked against the
   10% rule on the real, rounded distances;
3. the *weeks*: sets, reps and intensity by position in a 4-week block (establish, build, push,
   deload), deloads at ~60% volume every 4th week in plans of 6+ weeks.

Everything is a pure function of the brief, so the same brief always gives the same plan.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from web.coach.base import (
    Activity,
    Equipment,
    Experience,
    Generated,
    Goal,
    Injury,
    PlaybookCategory,
    PlaybookNote,
    PlaybookNotes,
    TrainingBrief,
    Usage,
)
from web.coach.catalogue import CatalogueExercise, allowed_exercises, estimate_session_minutes, work_seconds
from web.plans.rules import (
    DAY_NAMES,
    DELOAD_MIN_WEEKS,
    HARD_SETS_JUMP_RATIO,
    HARD_SETS_JUMP_SLACK,
    MAX_HARD_SETS_PER_GROUP,
    MAX_RUNNING_INCREASE,
    expected_sessions,
    running_start_cap_km,
    weekly_running_km,
)
from web.plans.schemas import (
    WEEKDAYS,
    PlannedExercise,
    PlannedSession,
    PlannedWeek,
    PlanOutline,
    SessionKind,
    Weekday,
    WeekOutline,
)

DELOAD_EVERY = 4
DELOAD_FACTOR = 0.6
DELOAD = -1  # the phase of a deload week; build weeks are phases 0, 1, 2
PEAK = 2
EASY_PACE = 6.5  # min/km, the catalogue's easy pace
GROUP_SET_TARGET = 20  # per muscle group and week at the peak, below the rules' hard cap
MAIN, ACCESSORY, FINISHER, COOLDOWN, CARDIO, STEADY, MOBILITY = (
    "main", "accessory", "finisher", "cooldown", "cardio", "steady", "mobility",
)  # fmt: skip

_LEVEL = {Experience.beginner: 0, Experience.intermediate: 1, Experience.advanced: 2}
_EQUIPMENT_SCORE = {
    Equipment.barbell: 5, Equipment.dumbbells: 4, Equipment.kettlebell: 3, Equipment.cable_machine: 3,
    Equipment.pull_up_bar: 3, Equipment.resistance_bands: 2, Equipment.treadmill: 3,
    Equipment.stationary_bike: 3, Equipment.rower: 3, Equipment.jump_rope: 2,
}  # fmt: skip
_BIG_PATTERNS = {"squat", "hinge", "push_horizontal", "push_vertical", "pull_horizontal", "pull_vertical"}
_NOT_MAIN = {"jump_squat", "nordic_curl", "band_lateral_walk", "prone_ytw", "single_leg_glute_bridge"}
_FALLBACK = {
    "squat": ("single_leg", "hinge"), "hinge": ("single_leg", "squat"), "single_leg": ("squat", "hinge"),
    "push_horizontal": ("push_vertical",), "push_vertical": ("push_horizontal",),
    "pull_horizontal": ("pull_vertical",), "pull_vertical": ("pull_horizontal",),
    "carry": ("core",), "core": ("carry",), "calves": (),
    "biceps": ("pull_horizontal", "pull_vertical"), "triceps": ("push_horizontal", "push_vertical"),
    "cardio_interval": ("cardio_steady",), "cardio_steady": ("cardio_interval",), "mobility": (),
}  # fmt: skip

_RUN_TITLES = {"easy": "Easy run", "long": "Long run", "tempo": "Tempo run", "interval": "Interval run"}
_RUN_WEIGHTS = {"easy": 1.0, "long": 1.6, "tempo": 1.0, "interval": 1.0}  # shares of the weekly km

_M, _A = True, False
_TEMPLATES: dict[str, tuple[str, list[tuple[str, bool]]]] = {
    "full_a": ("Full body A", [("squat", _M), ("push_horizontal", _M), ("pull_horizontal", _A),
                               ("hinge", _A), ("core", _A)]),
    "full_b": ("Full body B", [("hinge", _M), ("push_vertical", _M), ("pull_vertical", _A),
                               ("single_leg", _A), ("carry", _A)]),
    "full_c": ("Full body C", [("squat", _M), ("pull_horizontal", _M), ("push_horizontal", _A),
                               ("single_leg", _A), ("core", _A), ("calves", _A)]),
    "upper_a": ("Upper body A", [("push_horizontal", _M), ("pull_horizontal", _M), ("push_vertical", _A),
                                 ("pull_vertical", _A), ("biceps", _A), ("triceps", _A)]),
    "upper_b": ("Upper body B", [("push_vertical", _M), ("pull_vertical", _M), ("push_horizontal", _A),
                                 ("pull_horizontal", _A), ("triceps", _A), ("core", _A)]),
    "lower_a": ("Lower body A", [("squat", _M), ("hinge", _M), ("single_leg", _A), ("calves", _A),
                                 ("core", _A)]),
    "lower_b": ("Lower body B", [("hinge", _M), ("squat", _M), ("single_leg", _A), ("carry", _A),
                                 ("core", _A)]),
    "push": ("Push", [("push_horizontal", _M), ("push_vertical", _M), ("push_horizontal", _A),
                      ("triceps", _A), ("core", _A)]),
    "pull": ("Pull", [("pull_vertical", _M), ("pull_horizontal", _M), ("pull_horizontal", _A),
                      ("biceps", _A), ("carry", _A)]),
    "legs": ("Legs", [("squat", _M), ("hinge", _M), ("single_leg", _A), ("calves", _A), ("core", _A)]),
    "runner_a": ("Strength for runners", [("single_leg", _M), ("hinge", _M), ("calves", _A), ("core", _A),
                                          ("pull_horizontal", _A), ("push_horizontal", _A)]),
    "runner_b": ("Strength for runners B", [("squat", _M), ("single_leg", _M), ("hinge", _A),
                                            ("core", _A), ("calves", _A)]),
}  # fmt: skip
for _key in ("push", "pull", "legs"):
    _TEMPLATES[f"{_key}_b"] = (f"{_TEMPLATES[_key][0]} B", _TEMPLATES[_key][1])

_STRENGTH_SPLITS = {
    1: ["full_a"], 2: ["full_a", "full_b"], 3: ["full_a", "full_b", "full_c"],
    4: ["upper_a", "lower_a", "upper_b", "lower_b"], 5: ["upper_a", "lower_a", "push", "pull", "legs"],
    6: ["push", "pull", "legs", "push_b", "pull_b", "legs_b"],
}  # fmt: skip
_STRENGTH_WITH_CARDIO = {
    4: ["full_a", "aerobic", "full_b", "full_c"],
    5: ["upper_a", "lower_a", "aerobic", "upper_b", "lower_b"],
    6: ["push", "pull", "legs", "aerobic", "upper_b", "lower_b"],
}
_ENDURANCE_SPLITS = {
    1: ["run_long"], 2: ["run_easy", "run_long"], 3: ["run_easy", "runner_a", "run_long"],
    4: ["run_easy", "quality", "runner_a", "run_long"],
    5: ["run_easy", "quality", "runner_a", "run_easy", "run_long"],
    6: ["run_easy", "quality", "runner_a", "run_easy", "runner_b", "run_long"],
}  # fmt: skip
_FAT_LOSS_SPLITS = {
    1: ["full_a+"], 2: ["full_a+", "full_b+"], 3: ["full_a+", "conditioning", "full_b+"],
    4: ["full_a+", "conditioning", "full_b+", "aerobic"],
    5: ["full_a+", "conditioning", "full_b+", "aerobic", "full_c+"],
    6: ["full_a+", "conditioning", "full_b+", "aerobic", "full_c+", "mobility"],
}  # fmt: skip
_GENERAL_SPLITS = {
    1: ["full_a"], 2: ["full_a", "full_b"], 3: ["full_a", "aerobic", "full_b"],
    4: ["full_a", "aerobic", "full_b", "conditioning"],
    5: ["full_a", "aerobic", "full_b", "conditioning", "mobility"],
    6: ["upper_a", "aerobic", "lower_a", "conditioning", "full_c", "mobility"],
}  # fmt: skip


@dataclass(frozen=True)
class _Dose:
    main_sets: int
    accessory_sets: int
    main_reps: str
    accessory_reps: str
    main_rest: int
    accessory_rest: int


def _dose(brief: TrainingBrief) -> _Dose:
    level = _LEVEL[brief.experience]
    main_sets, accessory_sets, reps, rest = {
        Goal.strength: ((3, 4, 5), (2, 3, 3), ("5-6" if level == 0 else "3-5", "6-8"), (180, 120)),
        Goal.muscle: ((3, 3, 4), (2, 3, 3), ("8-10", "10-12"), (120, 90)),
        Goal.fat_loss: ((2, 3, 3), (2, 2, 3), ("10-12", "12-15"), (60, 60)),
        Goal.general: ((2, 3, 3), (2, 2, 3), ("10-12", "12-15"), (90, 60)),
        Goal.endurance: ((2, 3, 3), (2, 2, 2), ("8-10", "10-12"), (90, 60)),
    }[brief.goal]
    return _Dose(main_sets[level], accessory_sets[level], reps[0], reps[1], rest[0], rest[1])


# --------------------------------------------------------------------------------------------
# Blueprint: days, split, exercises


@dataclass
class _Item:
    exercise: CatalogueExercise
    role: str
    sets: int  # base sets (strength, mobility) or rounds (cardio intervals)
    rest: int
    reps: str | None = None
    seconds: int | None = None  # work per set for timed work


@dataclass
class _RunSpec:
    style: str  # easy | long | tempo | interval
    exercise: CatalogueExercise
    weight: float
    cap_km: float


@dataclass
class _Session:
    title: str
    kind: SessionKind
    items: list[_Item] = field(default_factory=list)
    run: _RunSpec | None = None


@dataclass
class _Blueprint:
    brief: TrainingBrief
    days: list[Weekday]
    sessions: list[_Session]
    extras: bool  # main lifts get one more set in the push week
    run_start: float
    run_max: float
    run_growth: float
    library: dict[str, CatalogueExercise]


class _Picker:
    """Chooses exercises by movement pattern, best equipment first, varied across the week."""

    def __init__(self, brief: TrainingBrief) -> None:
        self.allowed = allowed_exercises(brief)
        self.by_id = {exercise.id: exercise for exercise in self.allowed}
        order = {exercise.id: i for i, exercise in enumerate(self.allowed)}

        def rank(e: CatalogueExercise) -> tuple[int, int]:
            return (-max((_EQUIPMENT_SCORE.get(item, 0) for item in e.equipment), default=1), order[e.id])

        self.by_pattern: dict[str, list[CatalogueExercise]] = {}
        for exercise in sorted(self.allowed, key=rank):
            self.by_pattern.setdefault(exercise.pattern, []).append(exercise)
        self.counter: Counter[str] = Counter()

    def pick(self, pattern: str, used: set[str], main: bool = False) -> CatalogueExercise | None:
        for candidate_pattern in (pattern, *_FALLBACK.get(pattern, ())):
            candidates = [e for e in self.by_pattern.get(candidate_pattern, []) if e.id not in used]
            if main:
                candidates = [e for e in candidates if e.id not in _NOT_MAIN][:2] or candidates
            if candidates:
                index = self.counter[candidate_pattern]
                self.counter[candidate_pattern] += 1
                return candidates[index % len(candidates)]
        return None


def _pick_days(brief: TrainingBrief, count: int) -> list[Weekday]:
    """`count` of the person's days, spread as evenly around the week as possible."""
    days = [d for d in WEEKDAYS if d in brief.days]

    def spread(combo: tuple[Weekday, ...]) -> tuple[int, int]:
        positions = [WEEKDAYS.index(d) for d in combo]
        gaps = [(b - a) % 7 or 7 for a, b in zip(positions, positions[1:] + positions[:1], strict=True)]
        return (min(gaps), -gaps.count(1))

    if count <= 0:
        return []
    return list(max(combinations(days, count), key=spread))


def _split(brief: TrainingBrief, count: int) -> list[str]:
    likes_cardio = bool({Activity.running, Activity.conditioning} & set(brief.activities))
    if brief.goal is Goal.endurance:
        keys = list(_ENDURANCE_SPLITS[count])
        if count == 6 and brief.experience is Experience.advanced:
            keys[4] = "run_tempo"  # a second quality run instead of a second strength day
        return keys
    if brief.goal is Goal.fat_loss:
        return list(_FAT_LOSS_SPLITS[count])
    if brief.goal is Goal.general:
        keys = list(_GENERAL_SPLITS[count])
        if (
            count == 4
            and Activity.mobility in brief.activities
            and Activity.conditioning not in brief.activities
        ):
            keys[3] = "mobility"
        return keys
    if likes_cardio and count >= 4:
        return list(_STRENGTH_WITH_CARDIO[count])
    return list(_STRENGTH_SPLITS[count])


def _strength_session(brief: TrainingBrief, key: str, picker: _Picker) -> _Session:
    finisher = key.endswith("+")
    title, slots = _TEMPLATES[key.rstrip("+")]
    dose, used, items = _dose(brief), set(), []
    for pattern, main in slots:
        exercise = picker.pick(pattern, used, main=main)
        if exercise is None:
            continue
        used.add(exercise.id)
        sets, rest = (dose.main_sets, dose.main_rest) if main else (dose.accessory_sets, dose.accessory_rest)
        heavy = main and exercise.pattern in _BIG_PATTERNS
        reps = None if exercise.timed else (dose.main_reps if heavy else dose.accessory_reps)
        seconds = exercise.seconds_per_set if exercise.timed else None
        items.append(_Item(exercise, MAIN if main else ACCESSORY, sets, rest, reps, seconds))
    if not items:
        items = [
            _Item(e, ACCESSORY, 2, 60, None if e.timed else "10-12", e.seconds_per_set if e.timed else None)
            for e in [picker.pick("core", used)]
            if e
        ]
    kind = SessionKind.strength
    if finisher and (exercise := picker.pick("cardio_interval", used)):
        items.append(_cardio_item(brief, exercise, FINISHER))
        kind, title = SessionKind.mixed, f"{title} + finisher"
    if Activity.mobility in brief.activities and (drill := picker.pick("mobility", used)):
        items.append(_Item(drill, COOLDOWN, 1, 15, None, drill.seconds_per_set))
    return _Session(title, kind, items)


def _cardio_item(brief: TrainingBrief, exercise: CatalogueExercise, role: str) -> _Item:
    level = _LEVEL[brief.experience]
    if exercise.pattern == "cardio_steady":  # a steady block used as intervals: brisk efforts
        return _Item(exercise, role, (3, 4, 4)[level], 60, None, (120, 150, 180)[level])
    work, rest = ((30, 60), (40, 50), (45, 45))[level]
    rounds = (4, 5, 6)[level] if role == CARDIO else (3, 4, 5)[level]
    return _Item(exercise, role, rounds, rest, None, work)


def _conditioning_session(brief: TrainingBrief, picker: _Picker) -> _Session:
    used: set[str] = set()
    items = []
    for _ in range(3):
        exercise = picker.pick("cardio_interval", used)
        if exercise is None:
            break
        used.add(exercise.id)
        items.append(_cardio_item(brief, exercise, CARDIO))
    return _Session("Conditioning intervals", SessionKind.conditioning, items)


def _steady_session(brief: TrainingBrief, picker: _Picker, long: bool) -> _Session:
    exercise = picker.by_pattern["cardio_steady"][0]  # brisk walking is always allowed
    caps = (45, 75, 105) if long else (30, 45, 60)
    minutes = min(brief.minutes_per_session - 5, caps[_LEVEL[brief.experience]])
    title = f"{'Long' if long else 'Easy'} aerobic: {exercise.name.lower()}"
    return _Session(title, SessionKind.conditioning, [_Item(exercise, STEADY, 1, 0, None, minutes * 60)])


def _mobility_session(picker: _Picker) -> _Session:
    used: set[str] = set()
    items = []
    for _ in range(6):
        drill = picker.pick("mobility", used)
        if drill is None:
            break
        used.add(drill.id)
        items.append(_Item(drill, MOBILITY, 2, 15, None, drill.seconds_per_set))
    return _Session("Mobility & recovery", SessionKind.mobility, items)


def _run_session(brief: TrainingBrief, style: str, picker: _Picker, index: int) -> _Session:
    library = picker.by_id
    exercise = library.get(f"{style}_run") or library["easy_run"]
    if style == "easy" and index % 2 and "treadmill_run" in library:
        exercise = library["treadmill_run"]  # alternate road and treadmill when there is one
    pace = exercise.pace_min_per_km if style in ("easy", "long") else None
    cap = _floor1((brief.minutes_per_session - 5) / (pace or EASY_PACE))
    return _Session(
        _RUN_TITLES[style], SessionKind.run, run=_RunSpec(style, exercise, _RUN_WEIGHTS[style], cap)
    )


def _make_session(brief: TrainingBrief, key: str, picker: _Picker, index: int) -> _Session:
    runs_ok = "easy_run" in picker.by_id
    if key == "quality":
        key = "run_interval" if "interval_run" in picker.by_id else "run_tempo"
    if key == "aerobic":
        wants_run = runs_ok and (Activity.running in brief.activities or brief.goal is Goal.general)
        key = "run_easy" if wants_run else "steady"
    if key.startswith("run_") and not runs_ok:
        key = {"run_easy": "steady", "run_long": "steady_long"}.get(key, "conditioning")
    if key.startswith("run_"):
        return _run_session(brief, key.removeprefix("run_"), picker, index)
    if key in ("steady", "steady_long"):
        return _steady_session(brief, picker, long=key == "steady_long")
    if key == "conditioning":
        return _conditioning_session(brief, picker)
    if key == "mobility":
        return _mobility_session(picker)
    return _strength_session(brief, key, picker)


# --------------------------------------------------------------------------------------------
# Sets, reps and intensity by week phase


def _deloaded(sets: int) -> int:
    return max(1, int(sets * DELOAD_FACTOR + 0.5))


def _item_sets(item: _Item, phase: int, extras: bool) -> int:
    if phase == DELOAD:
        return item.sets if item.role in (MOBILITY, COOLDOWN, STEADY) else _deloaded(item.sets)
    if item.role == MAIN:
        return item.sets + (1 if phase == PEAK and extras else 0)
    if item.role in (CARDIO, FINISHER):
        return item.sets + phase
    return item.sets


def _item_seconds(item: _Item, phase: int) -> int | None:
    if item.role != STEADY or item.seconds is None:
        return item.seconds
    factor = DELOAD_FACTOR if phase == DELOAD else (0.8, 0.9, 1.0)[phase]
    return int(item.seconds * factor)


def _intensity(brief: TrainingBrief, item: _Item, phase: int) -> str:
    if item.role in (MOBILITY, COOLDOWN):
        return "Gentle, relaxed breathing"
    if item.role == STEADY:
        return "Easy, conversational pace (RPE 3-4)"
    if item.role in (CARDIO, FINISHER) and (phase == DELOAD or item.exercise.pattern == "cardio_steady"):
        return "Brisk but controlled, RPE 6-7; easy recovery"
    if item.role in (CARDIO, FINISHER):
        return "Hard efforts, RPE 8; easy recovery"
    if phase == DELOAD:
        return "RPE 6, light and crisp"
    beginner = brief.experience is Experience.beginner
    rpe = (6.5 if beginner else 7.0) + 0.5 * phase
    if item.role == MAIN and brief.goal is Goal.strength and not beginner:
        rpe += 0.5
    return f"RPE {rpe:g}"


def _item_notes(brief: TrainingBrief, item: _Item) -> str:
    if item.role == MAIN:
        text = "Main lift: when every set reaches the top of the rep range, add a little load next time."
    elif item.role in (CARDIO, FINISHER):
        text = f"Work {item.seconds} s per round, recover {item.rest} s in between."
    elif item.role == STEADY:
        text = "Keep it easy enough to hold a conversation."
    elif item.role in (MOBILITY, COOLDOWN):
        text = "Slow and controlled; breathe out as you ease into the position."
    elif item.exercise.pattern == "carry":
        text = "Walk tall with a braced trunk; heavy but never ragged."
    elif item.exercise.timed:
        text = "Hold a steady position with good form."
    else:
        text = "Controlled tempo; stop 2-3 reps short of failure."
    if brief.injuries and item.role in (MAIN, ACCESSORY):
        text += " Stay in a pain-free range."
    return text


def _render_item(brief: TrainingBrief, item: _Item, phase: int, extras: bool) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=item.exercise.id,
        name=item.exercise.name,
        sets=_item_sets(item, phase, extras),
        reps=item.reps,
        duration_seconds=_item_seconds(item, phase),
        distance_km=None,
        rest_seconds=item.rest,
        intensity=_intensity(brief, item, phase),
        notes=_item_notes(brief, item),
    )


def _planned(
    brief: TrainingBrief,
    session: _Session,
    day: Weekday,
    exercises: list[PlannedExercise],
    title: str | None = None,
) -> PlannedSession:
    planned = PlannedSession(
        day=day, title=title or session.title, kind=session.kind, duration_minutes=5, exercises=exercises
    )
    estimate = math.ceil(estimate_session_minutes(planned) - 1e-9)
    planned.duration_minutes = min(brief.minutes_per_session, max(5, estimate))
    return planned


# --------------------------------------------------------------------------------------------
# Fitting sessions to the minutes, and weekly sets to the muscle-group cap


def _peak_minutes(brief: TrainingBrief, session: _Session) -> float:
    exercises = [_render_item(brief, item, PEAK, True) for item in session.items]
    return estimate_session_minutes(_planned(brief, session, Weekday.mon, exercises))


def _drop_last(session: _Session, keep: int) -> bool:
    if len(session.items) <= keep:
        return False
    session.items.pop()
    return True


def _fewer_sets(session: _Session, roles: tuple[str, ...], floor: int) -> bool:
    for item in reversed(session.items):
        if item.role in roles and item.sets > floor:
            item.sets -= 1
            return True
    return False


def _shorter_rest(session: _Session) -> bool:
    for item in reversed(session.items):
        if item.role in (MAIN, ACCESSORY) and item.rest > 60:
            item.rest = max(60, item.rest - 30)
            return True
    return False


def _shorter_work(session: _Session) -> bool:
    for item in reversed(session.items):
        if item.role in (CARDIO, FINISHER) and item.seconds and item.seconds > 30:
            item.seconds = max(30, item.seconds - 30)
            return True
    return False


def _fit(brief: TrainingBrief, session: _Session) -> None:
    """Drop accessories, sets and rest until the heaviest week of a block fits the minutes."""
    steps = (
        lambda: _drop_last(session, 4),
        lambda: _fewer_sets(session, (ACCESSORY,), 2),
        lambda: _shorter_rest(session),
        lambda: _drop_last(session, 2),
        lambda: _fewer_sets(session, (MAIN,), 2),
        lambda: _fewer_sets(session, (CARDIO, FINISHER), 1),
        lambda: _shorter_work(session),
        lambda: _drop_last(session, 1),
        lambda: _fewer_sets(session, (MOBILITY, COOLDOWN), 1),
    )
    for step in steps:
        while _peak_minutes(brief, session) > brief.minutes_per_session and step():
            pass


def _group_sets(sessions: list[_Session], phase: int, extras: bool) -> Counter[str]:
    sets: Counter[str] = Counter()
    for session in sessions:
        for item in session.items:
            if item.exercise.is_strength:
                for group in item.exercise.muscle_groups:
                    sets[group] += _item_sets(item, phase, extras)
    return sets


def _reduce_group(sessions: list[_Session], group: str) -> bool:
    """Take one set (or one exercise) off the week's work for `group`; False when nothing is left."""
    hits = [
        (session, item)
        for session in sessions
        for item in session.items
        if item.exercise.is_strength and group in item.exercise.muscle_groups
    ]
    by_sets = sorted(hits, key=lambda hit: -hit[1].sets)
    for role, floor in ((ACCESSORY, 2), (MAIN, 3), (ACCESSORY, 0), (MAIN, 2), (MAIN, 0)):
        for session, item in by_sets if floor else reversed(hits):
            if item.role != role:
                continue
            if floor and item.sets > floor:
                item.sets -= 1
                return True
            if not floor and len(session.items) > 1:
                session.items.remove(item)
                return True
    return False


def _trim_groups(sessions: list[_Session]) -> None:
    while over := sorted(g for g, n in _group_sets(sessions, PEAK, True).items() if n > GROUP_SET_TARGET):
        if not _reduce_group(sessions, over[0]):
            return


def _extras_safe(sessions: list[_Session]) -> bool:
    base, peak = _group_sets(sessions, 0, False), _group_sets(sessions, PEAK, True)
    return all(
        sets <= MAX_HARD_SETS_PER_GROUP
        and sets <= base[g] * (1 + HARD_SETS_JUMP_RATIO) + HARD_SETS_JUMP_SLACK
        for g, sets in peak.items()
    )


# --------------------------------------------------------------------------------------------
# Runs


def _floor1(km: float) -> float:
    return math.floor(km * 10 + 1e-9) / 10


def _warm_up_km(brief: TrainingBrief) -> float:
    return 1.5 if brief.experience is Experience.advanced else 1.0


def _run_item(
    exercise: CatalogueExercise, km: float, intensity: str, notes: str, sets: int = 1, rest: int = 0
) -> PlannedExercise:
    return PlannedExercise(
        exercise_id=exercise.id,
        name=exercise.name,
        sets=sets,
        reps=None,
        duration_seconds=None,
        distance_km=km,
        rest_seconds=rest,
        intensity=intensity,
        notes=notes,
    )


def _tempo_km(bp: _Blueprint, km: float) -> float:
    """The threshold part of a tempo run: capped by experience and by the time left after the warm-up."""
    minutes, warm = bp.brief.minutes_per_session - 5, _warm_up_km(bp.brief)
    fits = (minutes - warm * EASY_PACE) / (bp.library["tempo_run"].pace_min_per_km or EASY_PACE)
    return _floor1(max(0.0, min(km - warm, fits, (2.5, 4.0, 6.0)[_LEVEL[bp.brief.experience]])))


def _interval_reps(bp: _Blueprint, km: float) -> tuple[int, float]:
    rep_km = 0.8 if bp.brief.experience is Experience.advanced else 0.4
    warm = _warm_up_km(bp.brief)
    seconds = (bp.brief.minutes_per_session - 5 - warm * EASY_PACE) * 60
    per_rep = rep_km * (bp.library["interval_run"].pace_min_per_km or EASY_PACE) * 60 + 90
    most = 8 if rep_km < 0.5 else 6
    reps = min(most, math.floor((km - warm) / rep_km + 1e-9), math.floor(seconds / per_rep))
    return max(0, reps), rep_km


def _with_cool_down(bp: _Blueprint, items: list[PlannedExercise], km: float) -> list[PlannedExercise]:
    """Fill the rest of a quality run's share with an easy cool-down jog, as far as time allows."""
    done = sum((e.distance_km or 0.0) * e.sets for e in items)
    seconds_left = (bp.brief.minutes_per_session - 5) * 60 - sum(
        e.sets * (work_seconds(e) + e.rest_seconds) for e in items
    )
    cool = _floor1(max(0.0, min(km - done, seconds_left / 60 / EASY_PACE)))
    if cool < 0.5:
        return items
    easy = "Easy, conversational pace (RPE 3-4)"
    return [*items, _run_item(bp.library["easy_run"], cool, easy, "Easy cool-down jog.")]


def _run_items(bp: _Blueprint, spec: _RunSpec, km: float) -> list[PlannedExercise]:
    easy = "Easy, conversational pace (RPE 3-4)"
    if spec.style in ("easy", "long"):
        notes = "Walk breaks are fine; finish feeling you could do more."
        return [_run_item(spec.exercise, _floor1(max(km, min(1.0, spec.cap_km))), easy, notes)]
    warm = _run_item(
        bp.library["easy_run"], _warm_up_km(bp.brief), easy, "Warm-up jog; add a few relaxed strides."
    )
    if spec.style == "tempo":
        tempo_notes = "Steady effort you could hold for about an hour."
        work = _run_item(spec.exercise, _tempo_km(bp, km), "Comfortably hard, RPE 6-7", tempo_notes)
    else:
        reps, rep_km = _interval_reps(bp, km)
        interval_notes = "Walk or jog gently between repeats."
        work = _run_item(
            spec.exercise,
            rep_km,
            "Hard, RPE 8 (about 5 km race effort)",
            interval_notes,
            sets=max(reps, 1),
            rest=90,
        )
    return _with_cool_down(bp, [warm, work], km)


def _run_sessions(bp: _Blueprint) -> list[_RunSpec]:
    return [s.run for s in bp.sessions if s.run is not None]


def _week_run_items(bp: _Blueprint, target_km: float) -> list[list[PlannedExercise]]:
    specs = _run_sessions(bp)
    total_weight = sum(spec.weight for spec in specs) or 1.0
    return [_run_items(bp, spec, min(target_km * spec.weight / total_weight, spec.cap_km)) for spec in specs]


def _km(items: list[list[PlannedExercise]]) -> float:
    return sum((e.distance_km or 0.0) * e.sets for session in items for e in session)


def _settle_quality_runs(bp: _Blueprint) -> None:
    """Quality runs that cannot hold real work at the starting volume become easier runs for the plan."""
    specs = _run_sessions(bp)
    total_weight = sum(spec.weight for spec in specs) or 1.0
    for session in bp.sessions:
        spec = session.run
        if spec is None:
            continue
        km = min(bp.run_start * spec.weight / total_weight, spec.cap_km)
        if spec.style == "interval" and _interval_reps(bp, km)[0] < 3:
            spec.style, spec.exercise, session.title = "tempo", bp.library["tempo_run"], _RUN_TITLES["tempo"]
        if spec.style == "tempo" and _tempo_km(bp, km) < 1.0:
            spec.style, spec.exercise, session.title = "easy", bp.library["easy_run"], _RUN_TITLES["easy"]
            spec.cap_km = _floor1((bp.brief.minutes_per_session - 5) / EASY_PACE)


def _run_volume(brief: TrainingBrief, runs: int) -> tuple[float, float, float]:
    """(starting weekly km, ceiling, weekly growth) for this person."""
    level, cap = _LEVEL[brief.experience], running_start_cap_km(brief)
    if brief.goal is Goal.endurance:
        start = min(max(brief.current_weekly_running_km, (8, 15, 25)[level]), cap)
        return start, max(start, (30, 50, 80)[level]), 1.08
    start = min((3, 5, 6)[level] * runs, cap)
    return start, start * 1.3, 1.05


def _next_run_target(bp: _Blueprint, previous: float | None, previous_km: float) -> float:
    """The next build week's km target: grow, but never past +10% on the real, rounded distances."""
    if not _run_sessions(bp):
        return 0.0
    if previous is None:
        target, limit = bp.run_start, running_start_cap_km(bp.brief)
        for _ in range(40):
            if _km(_week_run_items(bp, target)) <= limit + 1e-9:
                break
            target *= 0.9
        return target
    target = min(previous * bp.run_growth, max(bp.run_max, previous))
    limit = previous_km * (1 + MAX_RUNNING_INCREASE)
    for step in range(11):
        candidate = target - (target - previous) * step / 10
        if _km(_week_run_items(bp, candidate)) <= limit + 1e-9:
            return candidate
    return previous


def _deload_runs(exercises: list[PlannedExercise]) -> list[PlannedExercise]:
    out = []
    for e in exercises:
        if e.sets > 1:
            sets = max(1, math.floor(e.sets * DELOAD_FACTOR))
            out.append(e.model_copy(update={"sets": sets, "intensity": "Controlled, RPE 7"}))
        else:
            out.append(e.model_copy(update={"distance_km": _floor1((e.distance_km or 0) * DELOAD_FACTOR)}))
    return out


# --------------------------------------------------------------------------------------------
# Blueprint and weeks


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


_INJURY_LIMITS = {
    Injury.knee: "Knee: no jumping, deep or loaded squats, lunges or running; use partial-range box "
    "squats, bridges and low-impact cardio such as cycling or walking.",
    Injury.lower_back: "Lower back: no loaded hinges (deadlifts, swings, bent-over rows) and no rowing "
    "machine; use bridges, hip thrusts and supported rows.",
    Injury.shoulder: "Shoulder: no overhead pressing, pull-ups, dips or bench press; use floor presses, "
    "band or cable presses and rows.",
    Injury.wrist: "Wrist: no push-ups, hand-supported planks or front squats; press with dumbbells, bands "
    "or cables in a neutral grip.",
    Injury.ankle: "Ankle: no running, jumping, skipping or calf raises; use cycling, walking and "
    "supported strength work.",
    Injury.hip: "Hip: no sprint intervals or deep hip-flexion stretches; keep ranges short and controlled.",
    Injury.neck: "Neck: no bar across the back, pike push-ups or head-lifting core work; keep the head "
    "neutral.",
    Injury.elbow: "Elbow: no curls, triceps isolation, pull-ups or dips; rows and presses only in a "
    "pain-free range.",
}


def _limit_notes(brief: TrainingBrief) -> list[str]:
    notes = [_INJURY_LIMITS[injury] for injury in dict.fromkeys(brief.injuries)]
    if brief.experience is Experience.beginner:
        notes.append("New to structured training: technique before load, 2-3 reps in reserve on every set.")
    if brief.age >= 50:
        notes.append("Aged 50 or over: longer warm-ups and a rest day after the hardest sessions help.")
    runs_ok = any(e.id == "easy_run" for e in allowed_exercises(brief))
    if (Activity.running in brief.activities or brief.goal is Goal.endurance) and not runs_ok:
        notes.append(
            "Running is paused while the injury heals; aerobic work is on low-impact cardio instead."
        )
    elif Activity.running in brief.activities or brief.goal is Goal.endurance:
        notes.append(
            f"Runs about {brief.current_weekly_running_km:g} km a week now; weekly running rises by at "
            "most 10% and drops back in deload weeks."
        )
    return notes


def _schedule_notes(brief: TrainingBrief) -> list[str]:
    count = expected_sessions(brief)
    days = ", ".join(DAY_NAMES[d] for d in _pick_days(brief, count)) or "no days"
    notes = [f"Trains {count} times a week ({days}), up to {brief.minutes_per_session} minutes a session."]
    if count < brief.sessions_per_week:
        notes.append(
            f"Asked for {brief.sessions_per_week} sessions; {count} are planned so that there is at least "
            "one full rest day and at most one session a day."
        )
    if brief.minutes_per_session <= 30:
        notes.append("Short sessions: few exercises, supersets welcome, no long rests.")
    return notes


def _preference_notes(brief: TrainingBrief) -> list[str]:
    activities = ", ".join(a.value for a in brief.activities) or "no stated preference"
    equipment = ", ".join(e.value.replace("_", " ") for e in brief.equipment) or "bodyweight only"
    return [
        f"Goal: {_GOAL_TITLES[brief.goal]}. Enjoys: {activities}.",
        f"Equipment: {equipment}.",
    ]


def _motivation_note(brief: TrainingBrief) -> str:
    if brief.motivation <= 2:
        return "Motivation is low right now: keep sessions short and winnable and praise showing up."
    if brief.motivation == 3:
        return "Motivation is moderate: clear weekly targets and visible progress will help."
    return "Highly motivated: the risk is doing too much too soon; stick to the planned progression."


def build_playbook(brief: TrainingBrief) -> PlaybookNotes:
    """Coaching notes derived from the brief's structured fields; the person's free text is not used."""
    texts = [
        *((PlaybookCategory.limits, t) for t in _limit_notes(brief)),
        *((PlaybookCategory.schedule, t) for t in _schedule_notes(brief)),
        *((PlaybookCategory.preferences, t) for t in _preference_notes(brief)),
        (PlaybookCategory.motivation, _motivation_note(brief)),
    ]
    return PlaybookNotes(notes=[PlaybookNote(category=c, text=t[:300]) for c, t in texts][:20])


class OfflineCoach:
    """Deterministic plans with zero token usage; every week it writes passes the plan rules."""

    name = "offline"

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        return Generated(build_outline(brief), Usage())

    async def week(
        self, brief: TrainingBrief, outline: PlanOutline, number: int, previous: PlannedWeek | None
    ) -> Generated[PlannedWeek]:
        return Generated(build_week(brief, number, outline), Usage())

    async def repair_week(
        self, brief: TrainingBrief, outline: PlanOutline, week: PlannedWeek, violations: list[str]
    ) -> Generated[PlannedWeek]:
        return Generated(build_week(brief, week.number, outline), Usage())

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return Generated(build_playbook(brief), Usage())
