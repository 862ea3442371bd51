"""The offline coach's constants and tables: block phases, session templates and splits, and the dose
(sets, reps and rest) by goal and experience."""

from __future__ import annotations

from dataclasses import dataclass

from web.domain.brief import TrainingBrief
from web.domain.enums import Equipment, Experience, Goal

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
