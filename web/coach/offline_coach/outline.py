"""The plan's title, summary and week themes, naming the goal and what was read from the person's words."""

from __future__ import annotations

from web.coach.offline_coach.layout import Layout
from web.coach.offline_coach.week import theme
from web.domain.brief import TrainingBrief
from web.domain.enums import Goal
from web.domain.measures import DAY_NAMES
from web.domain.plan import BlockOutline, PlanOutline, WeekOutline
from web.domain.skeleton import Phase, Skeleton

GOAL_TITLES = {
    Goal.strength: "strength", Goal.muscle: "muscle-building", Goal.fat_loss: "fat-loss",
    Goal.endurance: "endurance", Goal.general: "general fitness",
}  # fmt: skip
_KINDS = {"long": "long run", "quality": "quality run", "easy": "easy run", "strength": "strength",
          "conditioning": "conditioning", "steady": "steady cardio", "mobility": "mobility"}  # fmt: skip


def title(brief: TrainingBrief) -> str:
    event = brief.event
    if event is not None and event.kind == "race":
        return f"{brief.weeks}-week {event.label} plan"[:100]
    if event is not None:
        return f"{brief.weeks}-week {GOAL_TITLES[brief.goal]} plan for your {event.label}"[:100]
    return f"{brief.weeks}-week {GOAL_TITLES[brief.goal]} plan"


def summary(brief: TrainingBrief, skeleton: Skeleton, layout: Layout) -> str:
    days = ", ".join(f"{DAY_NAMES[s.day]} {_KINDS[s.kind]}" for s in layout.slots) or "no days yet"
    parts = [f"{len(layout.slots)} sessions a week ({days}), up to {brief.minutes_per_session} minutes each."]
    weeks = skeleton.weeks
    if skeleton.running:
        peak = max(weeks, key=lambda w: w.running_km)
        longest = max(w.long_run_km for w in weeks if w.phase is not Phase.race)
        if peak.running_km <= weeks[0].running_km * 1.05 + 0.5:
            parts.append(
                f"Running holds about {weeks[0].running_km:.0f} km a week, the long run up to {longest:g} km."
            )
        else:
            parts.append(
                f"Running builds from {weeks[0].running_km:g} to {peak.running_km:g} km a week "
                f"(week {peak.number}), the long run to {longest:g} km."
            )
    if any(w.strength_sets for w in weeks):
        ranges = " then ".join(
            dict.fromkeys(f"{w.rep_range[0]}-{w.rep_range[1]}" for w in weeks if not w.is_deload)
        )
        parts.append(f"Main lifts move through {ranges} reps as the blocks go by.")
    if any(w.phase is Phase.deload for w in weeks):
        parts.append("Every 4th week is lighter so you absorb the work.")
    parts += brief.understood + list(skeleton.notes)
    return " ".join(parts)[:600]


def block_why(skeleton: Skeleton, block: int) -> str:
    weeks = [w for w in skeleton.weeks if w.block == block and not w.is_deload]
    if not weeks or not weeks[0].strength_sets:
        return "Movements that support your running, kept simple."
    low, high = weeks[0].rep_range
    start = (
        "Movements chosen for your kit and level"
        if block == 1
        else "Main lifts kept, harder variations and new accessories"
    )
    return f"{start}, main lifts at {low}-{high} reps."[:200]


def build_outline(
    brief: TrainingBrief, skeleton: Skeleton, layout: Layout, blocks: dict[int, tuple[str, ...]]
) -> PlanOutline:
    return PlanOutline(
        title=title(brief),
        summary=summary(brief, skeleton, layout),
        weeks=[
            WeekOutline(number=w.number, theme=theme(w)[:80], is_deload=w.is_deload) for w in skeleton.weeks
        ],
        blocks=[
            BlockOutline(number=n, exercises=list(ids), why=block_why(skeleton, n))
            for n, ids in sorted(blocks.items())
        ],
    )
