"""The vocabulary every layer shares: goals, levels, kit, injuries, days, session kinds."""

from __future__ import annotations

from enum import StrEnum


class Goal(StrEnum):
    strength = "strength"
    muscle = "muscle"
    fat_loss = "fat_loss"
    endurance = "endurance"
    general = "general"


class Experience(StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class Equipment(StrEnum):
    dumbbells = "dumbbells"
    barbell = "barbell"
    squat_rack = "squat_rack"
    bench = "bench"
    kettlebell = "kettlebell"
    pull_up_bar = "pull_up_bar"
    resistance_bands = "resistance_bands"
    cable_machine = "cable_machine"
    treadmill = "treadmill"
    stationary_bike = "stationary_bike"
    rower = "rower"
    jump_rope = "jump_rope"


class Injury(StrEnum):
    knee = "knee"
    lower_back = "lower_back"
    shoulder = "shoulder"
    wrist = "wrist"
    ankle = "ankle"
    hip = "hip"
    neck = "neck"
    elbow = "elbow"


class Activity(StrEnum):
    strength = "strength"
    running = "running"
    conditioning = "conditioning"
    mobility = "mobility"


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


class SessionKind(StrEnum):
    strength = "strength"
    run = "run"
    conditioning = "conditioning"
    mobility = "mobility"
    mixed = "mixed"
