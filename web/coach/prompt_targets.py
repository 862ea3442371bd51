"""The periodisation skeleton in words the model can follow: the plan's blocks (for the outline) and each
week's targets with its block's chosen exercises (for the week and repair prompts)."""

from __future__ import annotations

from collections.abc import Sequence

from web.domain.brief import TrainingBrief
from web.domain.plan import PlanOutline
from web.domain.skeleton import WeekTarget, build_skeleton


def block_lines(brief: TrainingBrief) -> str:
    """The plan's blocks from the skeleton: weeks, phases and main-lift reps, one line each."""
    skeleton = build_skeleton(brief)
    lines = []
    for block in sorted({w.block for w in skeleton.weeks}):
        weeks = [w for w in skeleton.weeks if w.block == block]
        phases = "/".join(dict.fromkeys(w.phase.value for w in weeks))
        line = f"Block {block}: weeks {weeks[0].number}-{weeks[-1].number} ({phases})"
        training = [w for w in weeks if w.strength_sets and not w.is_deload]
        if training:
            low, high = training[0].rep_range
            line += (
                f"; main lifts {low}-{high} reps, {training[0].strength_sessions} strength sessions a week"
            )
        lines.append(line + ".")
    return "\n".join(lines)


def target_lines(target: WeekTarget, chosen: Sequence[str] = ()) -> str:
    """The week's targets from the periodisation skeleton, and its block's exercises as the outline chose
    them, in words the model can follow."""
    low, high = target.rep_range
    lines = [
        f"Phase: {target.phase.value} (block {target.block}); is_deload must be {str(target.is_deload).lower()}.",
        f"Sessions: {target.run_sessions} of kind 'run', {target.strength_sessions} of kind 'strength' or "
        f"'mixed', {target.other_sessions} other (conditioning or mobility).",
        f"Focus: {target.focus}",
    ]
    if target.running_km:
        lines.append(
            f"Running: {target.running_km:g} km this week in total (+-10%, distance x sets), the long run "
            f"{target.long_run_km:g} km and longer than every other run; quality run: {target.quality.value}."
        )
    if target.race_km:
        lines.append(
            f"Race week: the race itself, one run of {target.race_km:g} km, on the last training day."
        )
    if target.strength_sets:
        lines.append(
            f"Strength: about {target.strength_sets} hard sets in the week (80-115%); main lifts {low}-{high} "
            f"reps at RPE {target.rpe:g}, accessories {target.accessory_rep_range[0]}-{target.accessory_rep_range[1]}."
        )
    if chosen:
        lines.append(
            f"Exercises of block {target.block} (the outline's choice, main lifts first): {', '.join(chosen)}. "
            "Build the strength sessions from these; add other catalogue exercises only where these "
            "cannot fill the sets."
        )
    lines.append(
        f"Time: every non-run session between {target.minutes_min} and {target.minutes_max} minutes "
        "(sets x (work + rest) + a 5-minute warm-up)."
    )
    return "\n".join(lines)


def chosen_for(outline: PlanOutline, target: WeekTarget) -> list[str]:
    block = outline.block(target.block)
    return list(block.exercises) if block is not None else []
