"""Blueprint: days, split, exercises."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from web.coach.offline_coach.dosing import (
    _BIG_PATTERNS,
    _ENDURANCE_SPLITS,
    _EQUIPMENT_SCORE,
    _FALLBACK,
    _FAT_LOSS_SPLITS,
    _GENERAL_SPLITS,
    _LEVEL,
    _NOT_MAIN,
    _RUN_TITLES,
    _RUN_WEIGHTS,
    _STRENGTH_SPLITS,
    _STRENGTH_WITH_CARDIO,
    _TEMPLATES,
    ACCESSORY,
    CARDIO,
    COOLDOWN,
    EASY_PACE,
    FINISHER,
    MAIN,
    MOBILITY,
    STEADY,
    _dose,
)
from web.coach.offline_coach.runs import _floor1
from web.domain.brief import TrainingBrief
from web.domain.catalogue import CatalogueExercise, allowed_exercises
from web.domain.enums import WEEKDAYS, Activity, Experience, Goal, SessionKind, Weekday


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
