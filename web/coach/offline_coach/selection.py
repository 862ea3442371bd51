"""Choosing the exercises of each block: the person's best kit first, harder variations as blocks
go by, accessories rotated between blocks, and the wishes read from their words given their own work."""

from __future__ import annotations

from dataclasses import dataclass, field

from web.domain.brief import Focus, TrainingBrief
from web.domain.catalogue import LEVELS, CatalogueExercise, all_exercises
from web.domain.enums import Equipment, Experience, Goal

EQUIPMENT_SCORE = {
    Equipment.barbell: 5, Equipment.dumbbells: 4, Equipment.kettlebell: 3, Equipment.cable_machine: 3,
    Equipment.pull_up_bar: 3, Equipment.resistance_bands: 2, Equipment.treadmill: 3,
    Equipment.stationary_bike: 3, Equipment.rower: 3, Equipment.jump_rope: 2,
}  # fmt: skip
# Bodyweight progressions, easiest first: a block moves a step up the ladder.
LADDERS = {
    "squat": ["sit_to_stand", "box_squat_high", "bodyweight_squat", "jump_squat"],
    "push_horizontal": ["incline_push_up", "push_up", "feet_elevated_push_up"],
    "hinge": ["glute_bridge", "single_leg_glute_bridge", "nordic_curl"],
    "single_leg": ["step_up", "split_squat", "reverse_lunge"],
    "pull_vertical": ["negative_pull_up", "chin_up", "pull_up"],
    "core": ["dead_bug", "bird_dog", "forearm_plank", "side_plank", "reverse_crunch", "hanging_knee_raise"],
}
NOT_MAIN = {
    "jump_squat",
    "nordic_curl",
    "band_lateral_walk",
    "prone_ytw",
    "single_leg_glute_bridge",
    "step_up",
}
FALLBACK = {
    "squat": ("single_leg", "hinge"), "hinge": ("single_leg", "squat"), "single_leg": ("squat", "hinge"),
    "push_horizontal": ("push_vertical",), "push_vertical": ("push_horizontal",),
    "pull_horizontal": ("pull_vertical",), "pull_vertical": ("pull_horizontal",),
    "carry": ("core",), "core": ("carry",), "calves": ("single_leg",),
    "biceps": ("pull_horizontal",), "triceps": ("push_horizontal",),
    "get_up": ("single_leg", "squat"), "grip": ("carry",),
}  # fmt: skip
FOCUS_PATTERNS = {
    Focus.floor_transfer: "get_up", Focus.carrying: "carry", Focus.stairs: "single_leg",
    Focus.pull_up: "pull_vertical", Focus.push_up: "push_horizontal", Focus.grip: "grip",
}  # fmt: skip
FOCUS_DRILLS = {Focus.balance: "balance", Focus.posture: "posture"}


def allowed(brief: TrainingBrief, exercise: CatalogueExercise, block: int) -> bool:
    """Kit the person has, no injury loaded, and at most their level (one above from block 3 on,
    when they have trained for two months)."""
    stretch = 1 if block >= 3 else 0
    level_ok = LEVELS.index(exercise.level) <= min(LEVELS.index(brief.experience) + stretch, 2)
    return (
        set(exercise.equipment) <= set(brief.equipment)
        and not set(exercise.contraindications) & set(brief.injuries)
        and level_ok
    )


def _score(exercise: CatalogueExercise) -> int:
    return max((EQUIPMENT_SCORE.get(item, 0) for item in exercise.equipment), default=1)


def candidates(brief: TrainingBrief, pattern: str, block: int) -> list[CatalogueExercise]:
    """Allowed exercises of `pattern`, loaded ones first (best kit first), bodyweight by its ladder."""
    found = [e for e in all_exercises() if e.pattern == pattern and allowed(brief, e, block)]
    ladder = LADDERS.get(pattern, [])

    def key(e: CatalogueExercise) -> tuple[int, int]:
        return (-_score(e), ladder.index(e.id) if e.id in ladder else len(ladder))

    return sorted(found, key=key)


@dataclass
class Picker:
    """Picks for one block, so that a week does not repeat an exercise needlessly."""

    brief: TrainingBrief
    block: int
    # The block's exercises as its outline chose them (the LLM's, or the offline coach's own): taken
    # first, in that order, wherever they fit the pattern and are allowed for this person.
    chosen: tuple[str, ...] = ()
    mains: int = 0  # how many of `chosen` (its first) are main lifts: accessories come from the rest
    used: set[str] = field(default_factory=set)
    turns: dict[str, int] = field(default_factory=dict)

    def pick(self, pattern: str, main: bool = False) -> CatalogueExercise | None:
        options = (pattern, *FALLBACK.get(pattern, ()))
        # A trained lifter under 65 whose injury leaves a pattern only bodyweight stand-ins, one of them
        # used already this week: a loaded main lift of a neighbouring pattern (a dumbbell RDL on a second
        # squat day), not a sit-to-stand; nor a pattern with no main lift at all (a band walk).
        if (
            main
            and self.brief.experience is not Experience.beginner
            and self.brief.age < 65
            and any(self._fresh_loaded_mains(o) for o in options[1:])
        ):
            options = tuple(sorted(options, key=lambda o: self._stand_ins_only(o) or not self._mains(o)))
        for option in options:
            found = candidates(self.brief, option, self.block)
            if main:
                found = [e for e in found if e.id not in NOT_MAIN] or found
            fresh = [e for e in found if e.id not in self.used] or found
            if main and self._below_what_they_did(option, found, fresh):
                fresh = [e for e in found if e.id in self.used]  # a box squat twice, not a sit-to-stand
            pool = self.chosen if main else self.chosen[self.mains :]
            preferred = sorted(
                (e for e in fresh if e.id in pool and e.id not in self.used), key=lambda e: pool.index(e.id)
            )
            if preferred:
                self.used.add(preferred[0].id)
                return preferred[0]
            if fresh:
                choice = self._choose(option, fresh, main)
                self.used.add(choice.id)
                return choice
        return None

    def _below_what_they_did(self, pattern: str, found: list, fresh: list) -> bool:
        """A trained lifter's only fresh options are easier rungs of a ladder they stood higher on this week."""
        ladder = LADDERS.get(pattern, [])
        if self.brief.experience is Experience.beginner or not ladder or len(fresh) == len(found):
            return False
        top = max((ladder.index(e.id) for e in found if e.id in self.used and e.id in ladder), default=-1)
        return all(e.id in ladder and ladder.index(e.id) < top for e in fresh)

    def _mains(self, pattern: str) -> list[CatalogueExercise]:
        return [e for e in candidates(self.brief, pattern, self.block) if e.id not in NOT_MAIN]

    def _fresh_loaded_mains(self, pattern: str) -> bool:
        return any(_score(e) > 1 and e.id not in self.used for e in self._mains(pattern))

    def _stand_ins_only(self, pattern: str) -> bool:
        found = self._mains(pattern)
        fresh = [e for e in found if e.id not in self.used]
        return len(fresh) < len(found) and all(_score(e) <= 1 for e in found)

    def _choose(self, pattern: str, found: list[CatalogueExercise], main: bool) -> CatalogueExercise:
        turn = self.turns.get(pattern, 0)
        self.turns[pattern] = turn + 1
        bar_work = [e for e in found if e.id in LADDERS["pull_vertical"]]
        if pattern == "pull_vertical" and bar_work:  # pull-ups climb their ladder by level, not by kit
            return self._pull_up_rung(bar_work)
        if _score(found[0]) > 1:  # loaded work: the main lift stays (strength) or alternates by block
            loaded = [e for e in found if _score(e) > 1]
            if main:
                keep = self.brief.goal is Goal.strength or len(loaded) == 1
                return loaded[0] if keep else loaded[(self.block - 1 + turn) % min(2, len(loaded))]
            return loaded[(self.block - 1 + turn) % len(loaded)]
        # Bodyweight: a step up the ladder each block, from the person's level.
        start = LEVELS.index(self.brief.experience) if self.brief.age < 65 else 0
        step = min(start + self.block - 1, len(found) - 1)
        return found[step]

    def _pull_up_rung(self, bar_work: list[CatalogueExercise]) -> CatalogueExercise:
        """Negatives, chin-ups, pull-ups: a rung a block, starting one below the person's lifting level
        (pulling your own weight lags general strength: an intermediate who wants a first pull-up starts
        on negatives), and at most one rung above that level."""
        rungs = sorted(bar_work, key=lambda e: LADDERS["pull_vertical"].index(e.id))
        level = LEVELS.index(self.brief.experience) if self.brief.age < 65 else 0
        step = min(max(level - 1, 0) + self.block - 1, level + (1 if self.block >= 3 else 0), len(rungs) - 1)
        return rungs[step]


def focus_exercises(brief: TrainingBrief, block: int) -> list[CatalogueExercise]:
    """One exercise for each wish read from the person's words that has a strength pattern."""
    out = []
    for focus in brief.focus:
        pattern = FOCUS_PATTERNS.get(focus)
        if pattern is None:
            continue
        found = [
            e for e in candidates(brief, pattern, block) if e.id not in NOT_MAIN or pattern == "single_leg"
        ]
        if focus is Focus.carrying:
            found = [e for e in found if e.pattern == "carry"] or found
        if found and found[0].id not in {e.id for e in out}:
            out.append(found[0])
    return out


def focus_drills(brief: TrainingBrief, block: int) -> list[CatalogueExercise]:
    out = []
    for focus in brief.focus:
        pattern = FOCUS_DRILLS.get(focus)
        found = candidates(brief, pattern, block) if pattern else []
        if focus is Focus.posture:
            found += [e for e in candidates(brief, "pull_horizontal", block) if e.id == "prone_ytw"]
        if found:
            out.append(found[0])
    return out


def cardio(brief: TrainingBrief, block: int, pattern: str) -> list[CatalogueExercise]:
    """Conditioning (`cardio_interval`) or steady (`cardio_steady`) options, kit first, rotated by block."""
    found = candidates(brief, pattern, block)
    if not found:
        return []
    shift = (block - 1) % len(found)
    return found[shift:] + found[:shift]


def mobility(brief: TrainingBrief, block: int) -> list[CatalogueExercise]:
    found = candidates(brief, "mobility", block)
    if not found:
        return []
    shift = (2 * (block - 1)) % len(found)
    return found[shift:] + found[:shift]
