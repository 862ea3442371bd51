"""People as they answer the onboarding questions (the API's request shape), from the issue's cases to
the extremes of every field."""

from __future__ import annotations

from typing import Any

from tests.factories import personal_info, responses

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FULL_KIT = ["dumbbells", "barbell", "squat_rack", "bench", "kettlebell", "pull_up_bar", "resistance_bands",
            "cable_machine", "treadmill", "stationary_bike", "rower", "jump_rope"]  # fmt: skip
EVERY_INJURY = ["knee", "lower_back", "shoulder", "wrist", "ankle", "hip", "neck", "elbow"]


def persona(name: str, info: dict[str, Any], answers: dict[str, Any]) -> tuple[str, dict, dict]:
    return name, personal_info(**info), responses(**answers)


PERSONAS = [
    persona(
        "half-marathon runner at 40 km",
        dict(
            goal="endurance", days_per_week=5, available_days=ALL_DAYS, minutes_per_session=90, equipment=[]
        ),
        dict(
            plan_weeks=12,
            activities=["running", "strength"],
            weekly_running_km=40,
            goal_details="Half marathon on 28 February 2027, I'd like to go under 1:50.",
        ),
    ),
    persona(
        "half-marathon runner, imperial",
        dict(
            goal="endurance",
            height={"value": 70, "unit": "in"},
            weight={"value": 165, "unit": "lb"},
            days_per_week=4,
            available_days=["tue", "thu", "sat", "sun"],
            minutes_per_session=75,
        ),
        dict(
            plan_weeks=16,
            activities=["running"],
            weekly_running_km=30,
            goal_details="Training for a half-marathon.",
        ),
    ),
    persona(
        "advanced lifter, full rack",
        dict(
            goal="strength",
            experience_level="advanced",
            days_per_week=4,
            minutes_per_session=75,
            available_days=["mon", "tue", "thu", "sat"],
            equipment=["barbell", "squat_rack", "bench", "pull_up_bar"],
        ),
        dict(plan_weeks=16, activities=["strength"], goal_details="Squat 180 kg."),
    ),
    persona(
        "70-year-old, back and hip",
        dict(
            age=70,
            goal="general",
            experience_level="beginner",
            days_per_week=3,
            minutes_per_session=40,
            available_days=["mon", "wed", "fri"],
            equipment=[],
            injuries=["lower_back", "hip"],
        ),
        dict(
            plan_weeks=8,
            activities=["strength", "mobility"],
            goal_details="Get up from the floor and carry my grandson.",
        ),
    ),
    persona(
        "10 km beginner, sore knee",
        dict(
            goal="general",
            experience_level="beginner",
            days_per_week=3,
            minutes_per_session=60,
            available_days=["tue", "thu", "sun"],
            equipment=[],
            injuries=["knee"],
        ),
        dict(
            plan_weeks=10, activities=["running"], weekly_running_km=10, goal_details="Run my first 10k race."
        ),
    ),
    persona(
        "fat loss, kettlebell and rope",
        dict(
            goal="fat_loss",
            days_per_week=4,
            minutes_per_session=45,
            available_days=["mon", "tue", "thu", "fri"],
            equipment=["kettlebell", "jump_rope"],
        ),
        dict(plan_weeks=12, activities=["strength", "conditioning"], goal_details="Lose 8 kg before summer."),
    ),
    persona(
        "2 days, 4 weeks",
        dict(
            goal="muscle",
            days_per_week=2,
            available_days=["sat", "sun"],
            minutes_per_session=60,
            equipment=["dumbbells", "bench"],
        ),
        dict(plan_weeks=4, activities=["strength"], goal_details=""),
    ),
    persona(
        "6 days, 16 weeks, full kit",
        dict(
            goal="muscle",
            experience_level="advanced",
            days_per_week=6,
            available_days=ALL_DAYS,
            minutes_per_session=90,
            equipment=FULL_KIT,
        ),
        dict(plan_weeks=16, activities=["strength", "running"], weekly_running_km=15, goal_details=""),
    ),
    persona(
        "every injury, no kit",
        dict(
            goal="general",
            days_per_week=3,
            minutes_per_session=45,
            available_days=["mon", "wed", "fri"],
            equipment=[],
            injuries=EVERY_INJURY,
        ),
        dict(plan_weeks=8, activities=["strength", "mobility"], goal_details=""),
    ),
    persona(
        "youngest, shortest sessions",
        dict(
            age=13,
            goal="general",
            experience_level="beginner",
            days_per_week=2,
            minutes_per_session=20,
            available_days=["tue", "thu"],
            equipment=[],
        ),
        dict(plan_weeks=4, activities=["strength"], goal_details=""),
    ),
    persona(
        "oldest, longest sessions",
        dict(
            age=100,
            goal="general",
            experience_level="beginner",
            days_per_week=3,
            minutes_per_session=180,
            available_days=["mon", "wed", "fri"],
            equipment=["dumbbells"],
        ),
        dict(plan_weeks=6, activities=["strength", "mobility"], goal_details="Stairs are hard now."),
    ),
    persona(
        "never mentions running",
        dict(
            goal="strength",
            days_per_week=3,
            minutes_per_session=60,
            available_days=["mon", "wed", "fri"],
            equipment=["dumbbells", "bench", "pull_up_bar"],
        ),
        dict(
            plan_weeks=12, activities=["strength"], weekly_running_km=0, goal_details="Get my first pull-up."
        ),
    ),
    persona(
        "extreme body, imperial",
        dict(
            height={"value": 98, "unit": "in"},
            weight={"value": 660, "unit": "lb"},
            goal="general",
            days_per_week=3,
            minutes_per_session=30,
            available_days=["mon", "wed", "sat"],
        ),
        dict(plan_weeks=8, activities=["strength", "conditioning"], goal_details=""),
    ),
]
