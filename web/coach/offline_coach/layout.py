"""The week's layout: which days, and which session on which day, from the skeleton's session mix.

The layout is the same every week of a plan (people keep their days); deload weeks drop their last
non-run session when the target has one fewer. Long runs go on the last training day (a weekend day
when there is one), strength sessions as far apart as the days allow, a quality run never the day
before the long run.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from web.domain.brief import TrainingBrief
from web.domain.enums import WEEKDAYS, Activity, Goal, Weekday
from web.domain.skeleton import WeekTarget

# Strength session templates: (title, [(pattern, is_main), ...]).
TEMPLATES: dict[str, tuple[str, list[tuple[str, bool]]]] = {
    "full_a": ("Full body A", [("squat", True), ("push_horizontal", True), ("pull_horizontal", False),
                               ("hinge", False), ("core", False)]),
    "full_b": ("Full body B", [("hinge", True), ("push_vertical", True), ("pull_vertical", False),
                               ("single_leg", False), ("carry", False)]),
    "full_c": ("Full body C", [("squat", True), ("pull_horizontal", True), ("push_horizontal", False),
                               ("single_leg", False), ("core", False), ("calves", False)]),
    "upper_a": ("Upper body A", [("push_horizontal", True), ("pull_horizontal", True), ("push_vertical", False),
                                 ("pull_vertical", False), ("biceps", False), ("triceps", False)]),
    "upper_b": ("Upper body B", [("push_vertical", True), ("pull_vertical", True), ("push_horizontal", False),
                                 ("pull_horizontal", False), ("triceps", False), ("core", False)]),
    "lower_a": ("Lower body A", [("squat", True), ("hinge", True), ("single_leg", False), ("calves", False),
                                 ("core", False)]),
    "lower_b": ("Lower body B", [("hinge", True), ("squat", True), ("single_leg", False), ("carry", False),
                                 ("core", False)]),
    "push": ("Push", [("push_horizontal", True), ("push_vertical", True), ("push_horizontal", False),
                      ("triceps", False), ("core", False)]),
    "pull": ("Pull", [("pull_vertical", True), ("pull_horizontal", True), ("pull_horizontal", False),
                      ("biceps", False), ("carry", False)]),
    "legs": ("Legs", [("squat", True), ("hinge", True), ("single_leg", False), ("calves", False), ("core", False)]),
    "runner_a": ("Strength for runners", [("single_leg", True), ("hinge", True), ("calves", False),
                                          ("core", False), ("pull_horizontal", False), ("push_horizontal", False)]),
    "runner_b": ("Strength for runners B", [("squat", True), ("single_leg", True), ("hinge", False),
                                            ("core", False), ("calves", False), ("pull_horizontal", False)]),
}  # fmt: skip
_STRENGTH_SPLITS = {
    1: ["full_a"], 2: ["full_a", "full_b"], 3: ["full_a", "full_b", "full_c"],
    4: ["upper_a", "lower_a", "upper_b", "lower_b"], 5: ["upper_a", "lower_a", "push", "pull", "legs"],
    6: ["push", "pull", "legs", "upper_a", "lower_b", "full_c"],
}  # fmt: skip
_RUNNER_SPLITS = {1: ["runner_a"], 2: ["runner_a", "runner_b"], 3: ["runner_a", "runner_b", "full_a"]}


@dataclass(frozen=True)
class Slot:
    day: Weekday
    kind: str  # "long", "quality", "easy", "strength", "conditioning", "steady", "mobility"
    template: str = ""  # strength only: a key of TEMPLATES


@dataclass(frozen=True)
class Layout:
    slots: tuple[Slot, ...]

    def for_week(self, target: WeekTarget) -> list[Slot]:
        """This week's slots: a deload week with one session fewer drops its last non-run slot."""
        if len(self.slots) <= target.sessions:
            return list(self.slots)
        drop = next(i for i in range(len(self.slots) - 1, -1, -1) if self.slots[i].kind not in _RUN_KINDS)
        return [s for i, s in enumerate(self.slots) if i != drop]


_RUN_KINDS = ("long", "quality", "easy")


def pick_days(brief: TrainingBrief, count: int) -> list[Weekday]:
    """`count` of the person's days, spread as evenly around the week as possible."""
    days = [d for d in WEEKDAYS if d in brief.days]
    if count <= 0:
        return []

    def spread(combo: tuple[Weekday, ...]) -> tuple[int, int, int]:
        positions = [WEEKDAYS.index(d) for d in combo]
        gaps = [(b - a) % 7 or 7 for a, b in zip(positions, positions[1:] + positions[:1], strict=True)]
        weekend = sum(1 for d in combo if d in (Weekday.sat, Weekday.sun))
        return (min(gaps), -gaps.count(1), weekend)

    return list(max(combinations(days, count), key=spread))


def build_layout(brief: TrainingBrief, first: WeekTarget) -> Layout:
    """Days and sessions for a plan, from its first (full) week's session mix."""
    runs, strength, other = first.run_sessions, first.strength_sessions, first.other_sessions
    days = pick_days(brief, runs + strength + other)
    kinds = _run_kinds(runs, first) + ["strength"] * strength + _other_kinds(brief, other)
    placed = _place(days, kinds)
    templates = iter(_strength_templates(brief, strength, runs))
    slots = [Slot(day, kind, next(templates) if kind == "strength" else "") for day, kind in placed]
    return Layout(tuple(slots))


def _run_kinds(runs: int, first: WeekTarget) -> list[str]:
    if runs == 0:
        return []
    kinds = ["long"]
    if runs >= 3:
        kinds.append("quality")
    return kinds + ["easy"] * (runs - len(kinds))


def _other_kinds(brief: TrainingBrief, count: int) -> list[str]:
    likes = set(brief.activities)
    order: list[str] = []
    if Activity.conditioning in likes or brief.goal is Goal.fat_loss:
        order.append("conditioning")
    order.append("steady")
    if Activity.mobility in likes or brief.age >= 65 or brief.injuries:
        order.insert(1 if order[0] == "conditioning" else 0, "mobility")
    return [order[i % len(order)] for i in range(count)]


def _strength_templates(brief: TrainingBrief, count: int, runs: int) -> list[str]:
    if count == 0:
        return []
    if runs >= 2 and count <= 3:
        return _RUNNER_SPLITS[count]
    return _STRENGTH_SPLITS[min(count, 6)]


def _place(days: list[Weekday], kinds: list[str]) -> list[tuple[Weekday, str]]:
    """Long run last; the rest alternate so strength days sit apart and quality is not before the long run."""
    if not days:
        return []
    ordered = list(days)
    out: dict[Weekday, str] = {}
    rest = list(kinds)
    if "long" in rest:
        rest.remove("long")
        weekend = [d for d in ordered if d in (Weekday.sat, Weekday.sun)]
        out[weekend[-1] if weekend else ordered[-1]] = "long"
    free = [d for d in ordered if d not in out]
    # Alternate strength with everything else, starting with the kind there is most of.
    strength = [k for k in rest if k == "strength"]
    others = [k for k in rest if k != "strength"]
    if "quality" in others:  # quality first in the week: furthest from the long run
        others.remove("quality")
        others.insert(0, "quality")
    sequence: list[str] = []
    first, second = (strength, others) if len(strength) >= len(others) else (others, strength)
    while first or second:
        if first:
            sequence.append(first.pop(0))
        if second:
            sequence.append(second.pop(0))
    for day, kind in zip(free, sequence, strict=True):
        out[day] = kind
    return sorted(out.items(), key=lambda pair: WEEKDAYS.index(pair[0]))
