"""The built-in exercise catalogue (exercises.json) and the session-time estimate.

Both coaches and the plan rules use `estimate_session_minutes`, so they agree on whether a
session fits the person's time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from web.domain.brief import TrainingBrief
from web.domain.enums import Equipment, Experience, Injury

if TYPE_CHECKING:  # only types: plan -> skeleton -> volumes -> catalogue must not come back to plan
    from web.domain.plan import PlannedExercise, PlannedSession

CATALOGUE_PATH = Path(__file__).with_name("exercises.json")

KINDS = ("strength", "run", "cardio", "mobility")
MUSCLE_GROUPS = (
    "quads", "hamstrings", "glutes", "chest", "back", "shoulders", "biceps", "triceps", "core", "calves",
)  # fmt: skip
LEVELS: tuple[Experience, ...] = tuple(Experience)

WARM_UP_MINUTES = 5.0
EASY_PACE_MIN_PER_KM = 6.5
SECONDS_PER_REP = 3.5
DEFAULT_WORK_SECONDS = 45.0


@dataclass(frozen=True)
class CatalogueExercise:
    id: str
    name: str
    kind: str  # strength | run | cardio | mobility
    pattern: str  # squat, hinge, single_leg, push_horizontal, ..., run_easy, cardio_steady, mobility
    equipment: tuple[Equipment, ...]  # all required; () is bodyweight
    muscle_groups: tuple[str, ...]
    contraindications: tuple[Injury, ...]
    level: Experience  # the minimum experience
    seconds_per_set: int
    timed: bool = False  # prescribed in seconds rather than reps
    pace_min_per_km: float | None = None  # runs only

    @property
    def is_run(self) -> bool:
        return self.kind == "run"

    @property
    def is_strength(self) -> bool:
        return self.kind == "strength"


def _parse(raw: dict) -> CatalogueExercise:
    exercise = CatalogueExercise(
        id=raw["id"],
        name=raw["name"],
        kind=raw["kind"],
        pattern=raw["pattern"],
        equipment=tuple(Equipment(e) for e in raw["equipment"]),
        muscle_groups=tuple(raw["muscle_groups"]),
        contraindications=tuple(Injury(i) for i in raw["contraindications"]),
        level=Experience(raw["level"]),
        seconds_per_set=int(raw["seconds_per_set"]),
        timed=bool(raw.get("timed", False)),
        pace_min_per_km=raw.get("pace_min_per_km"),
    )
    if exercise.kind not in KINDS or not set(exercise.muscle_groups) <= set(MUSCLE_GROUPS):
        raise ValueError(f"bad catalogue entry {exercise.id!r}")
    return exercise


@cache
def _by_id() -> dict[str, CatalogueExercise]:
    raw = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    exercises = [_parse(entry) for entry in raw]
    by_id = {exercise.id: exercise for exercise in exercises}
    if len(by_id) != len(exercises):
        raise ValueError("duplicate exercise ids in exercises.json")
    return by_id


def all_exercises() -> tuple[CatalogueExercise, ...]:
    """Every catalogue entry, in file order."""
    return tuple(_by_id().values())


def get_exercise(exercise_id: str) -> CatalogueExercise | None:
    return _by_id().get(exercise_id)


def is_allowed(exercise: CatalogueExercise, brief: TrainingBrief) -> bool:
    """Equipment the person has, no listed injury loaded, and not above their experience."""
    return (
        set(exercise.equipment) <= set(brief.equipment)
        and not set(exercise.contraindications) & set(brief.injuries)
        and LEVELS.index(exercise.level) <= LEVELS.index(brief.experience)
    )


def allowed_exercises(brief: TrainingBrief) -> list[CatalogueExercise]:
    """The exercises this person may be given, in catalogue order."""
    return [exercise for exercise in all_exercises() if is_allowed(exercise, brief)]


def _reps_seconds(reps: str) -> float | None:
    numbers = [int(n) for n in re.findall(r"\d+", reps)]
    if not numbers:
        return None
    per_side = 2 if re.search(r"side|leg|arm|each", reps, re.IGNORECASE) else 1
    return max(numbers) * SECONDS_PER_REP * per_side


def work_seconds(item: PlannedExercise) -> float:
    """Work time of one set: given duration, else distance at the run's pace, else typical time."""
    if item.duration_seconds:
        return float(item.duration_seconds)
    exercise = get_exercise(item.exercise_id)
    if item.distance_km:
        pace = exercise.pace_min_per_km if exercise and exercise.pace_min_per_km else EASY_PACE_MIN_PER_KM
        return item.distance_km * pace * 60
    if exercise is not None:
        return float(exercise.seconds_per_set)
    from_reps = _reps_seconds(item.reps) if item.reps else None
    return from_reps if from_reps is not None else DEFAULT_WORK_SECONDS


def estimate_session_minutes(session: PlannedSession) -> float:
    """Sets x (work + rest) over all exercises, plus a short warm-up."""
    seconds = sum(item.sets * (work_seconds(item) + item.rest_seconds) for item in session.exercises)
    return WARM_UP_MINUTES + seconds / 60
