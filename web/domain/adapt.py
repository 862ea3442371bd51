"""Changing a plan that is in use, pure and deterministic: what a training log says to change for the
rest of the plan, a week redone under a temporary constraint, one exercise swapped for a suitable
alternative. Each makes a brief and a list of rewritten weeks; the generation pipeline writes those
weeks (with either coach) and keeps every other week as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Literal

from web.domain.brief import TrainingBrief
from web.domain.catalogue import CatalogueExercise, all_exercises, get_exercise, is_allowed
from web.domain.enums import Equipment, Experience, Injury, Weekday
from web.domain.measures import DAY_NAMES
from web.domain.plan import BlockOutline, PlanContent, PlannedExercise, PlanOutline, WeekOutline
from web.domain.skeleton import Skeleton, build_skeleton

AdaptKind = Literal["adjust", "redo_week", "swap"]
ADAPT_KINDS: tuple[str, ...] = ("adjust", "redo_week", "swap")

MISSED_SHARE = 0.6  # fewer than 60% of the due sessions done: the plan asks for one session less a week
HARD_RPE = 8.5  # done sessions felt this hard on average: the rest is lighter
EASY_RPE = 5.0  # ... this easy: the rest asks for more effort
MIN_DUE = 3  # sessions due before missing them says anything
MIN_RATED = 2  # rated sessions before their effort says anything
LOG_NOTE = "From the training log: "
KEEP_BLOCK_SHARE = 0.6  # a rewritten week keeps its block's lifts when the brief still allows this share


class AdaptRefused(Exception):
    """The change cannot be made; `code` and the message go back to the person as they are."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LoggedSession:
    """One due session of the plan as its log left it."""

    week: int
    status: Literal["done", "skipped", "missed"]
    rpe: int | None = None
    pain: Injury | None = None


# -- "Adjust the rest of my plan" ------------------------------------------------------------------


def adjusted_brief(brief: TrainingBrief, log: Sequence[LoggedSession]) -> tuple[TrainingBrief, list[str]]:
    """The brief for the rest of the plan, from what the log shows, and why each change was made.
    Refused when the log shows nothing to change."""
    changes: list[str] = []
    update: dict = {}
    pains = sorted({s.pain for s in log if s.pain is not None} - set(brief.injuries), key=list(Injury).index)
    if pains:
        weeks = sorted({s.week for s in log if s.pain in pains})
        parts = " and ".join(p.value.replace("_", " ") for p in pains)
        update["injuries"] = [*brief.injuries, *pains]
        changes.append(
            f"You reported {parts} pain (week {', '.join(map(str, weeks))}): the rest of the plan leaves out "
            f"exercises that load it and uses safer alternatives."
        )
    due = len(log)
    done = sum(s.status == "done" for s in log)
    if due >= MIN_DUE and done < MISSED_SHARE * due and brief.sessions_per_week > 1:
        fewer = brief.sessions_per_week - 1
        update["sessions_per_week"] = fewer
        changes.append(
            f"You did {done} of the {due} sessions due so far: the rest of the plan asks for {fewer} "
            f"session{'s' if fewer > 1 else ''} a week instead of {brief.sessions_per_week}, so it fits "
            "the weeks you have."
        )
    rated = [s.rpe for s in log if s.status == "done" and s.rpe is not None]
    if len(rated) >= MIN_RATED:
        average = mean(rated)
        if average >= HARD_RPE and brief.effort > -1:
            update["effort"] = brief.effort - 1
            changes.append(
                f"Your sessions felt hard (effort {average:.1f} of 10 on average): the rest of the plan is "
                "a little lighter: fewer hard sets, easier effort and shorter runs."
            )
        elif average <= EASY_RPE and brief.effort < 1:
            update["effort"] = brief.effort + 1
            changes.append(
                f"Your sessions felt easy (effort {average:.1f} of 10 on average): the rest of the plan "
                "asks for a little more effort on the main lifts (within the safe ceiling for your level)."
            )
    if not changes:
        raise AdaptRefused(
            "nothing_to_adjust",
            "Your log shows nothing to change yet: sessions done, no pain, effort as planned. "
            "Keep logging; adjust when a week goes differently.",
        )
    # The log's notes replace an earlier adjustment's (they said what the log showed then).
    words = [t for t in brief.free_text if not t.startswith(LOG_NOTE)]
    notes = [f"{LOG_NOTE}{c}" for c in changes]
    return brief.model_copy(update={**update, "free_text": [*words, *notes]}), changes


# -- "Redo this week" ------------------------------------------------------------------------------


def constrained_brief(
    brief: TrainingBrief, days: Sequence[Weekday] | None, equipment: Sequence[Equipment] | None
) -> tuple[TrainingBrief, list[str]]:
    """The brief for one week under a temporary constraint (other days, other kit), and what it says."""
    update: dict = {}
    said: list[str] = []
    if days is not None:
        ordered = [d for d in Weekday if d in set(days)]
        update["days"] = ordered
        update["sessions_per_week"] = min(brief.sessions_per_week, len(ordered))
        said.append(
            f"{len(ordered)} day{'s' if len(ordered) > 1 else ''} ({', '.join(DAY_NAMES[d] for d in ordered)})"
        )
    if equipment is not None:
        kit = [e for e in Equipment if e in set(equipment)]
        update["equipment"] = kit
        said.append(
            "no equipment" if not kit else " and ".join(e.value.replace("_", " ") for e in kit) + " only"
        )
    return brief.model_copy(update=update), said


# -- "Swap this exercise" --------------------------------------------------------------------------


def alternatives(
    brief: TrainingBrief, exercise_id: str, in_session: Iterable[str] = ()
) -> list[CatalogueExercise]:
    """Catalogue exercises that can stand in for this one: the same movement pattern and kind, allowed by
    the person's kit, injuries and level, and not already in the session."""
    current = get_exercise(exercise_id)
    if current is None:
        return []
    taken = set(in_session) | {exercise_id}
    found = [
        e
        for e in all_exercises()
        if e.pattern == current.pattern
        and e.kind == current.kind
        and e.id not in taken
        and is_allowed(e, brief)
    ]
    # Closest first: the same kind of kit (loaded for loaded), then the nearest level.
    return sorted(found, key=lambda e: (bool(e.equipment) != bool(current.equipment), _gap(e, current)))


def _gap(one: CatalogueExercise, other: CatalogueExercise) -> int:
    order = list(Experience)
    return abs(order.index(one.level) - order.index(other.level))


def swapped(
    content: PlanContent,
    from_week: int,
    old_id: str,
    new: CatalogueExercise,
    keep: Collection[tuple[int, int]] = (),
) -> tuple[PlanContent, list[int]]:
    """The plan with `old_id` replaced by `new` in every session from `from_week` on (a person who swaps
    an exercise out does not want it back next week), except the sessions in `keep` (week, session: those
    logged or past), and the weeks that changed."""
    old = get_exercise(old_id)
    old_name = old.name if old is not None else old_id
    kept = {tuple(k) for k in keep}
    weeks, changed = [], []
    for week in content.weeks:
        sessions = [
            s
            if week.number < from_week or (week.number, i) in kept
            else s.model_copy(
                update={
                    "exercises": [
                        _stand_in(e, new, old_name) if e.exercise_id == old_id else e for e in s.exercises
                    ]
                }
            )
            for i, s in enumerate(week.sessions, start=1)
        ]
        if sessions != week.sessions:
            changed.append(week.number)
            week = week.model_copy(update={"sessions": sessions})
        weeks.append(week)
    return content.model_copy(update={"weeks": weeks}), changed


def _stand_in(item: PlannedExercise, new: CatalogueExercise, old_name: str) -> PlannedExercise:
    reps, seconds = item.reps, item.duration_seconds
    if new.timed and not seconds:
        reps, seconds = None, new.seconds_per_set
    elif not new.timed and seconds and not item.distance_km:
        reps, seconds = "8-12", None
    note = f"In place of {old_name}."
    if old_name.lower() not in item.notes.lower():
        note = f"{note} {item.notes}".strip()
    return item.model_copy(
        update={
            "exercise_id": new.id,
            "name": new.name,
            "reps": reps,
            "duration_seconds": seconds,
            "notes": note[:300],
        }
    )


# -- What the rewritten weeks are written against ----------------------------------------------------


def merged_skeleton(old: Skeleton | None, brief: TrainingBrief, rewritten: Iterable[int]) -> Skeleton:
    """The targets of the new version: the rewritten weeks' from the new brief, the others as they were."""
    new = build_skeleton(brief)
    if old is None or len(old.weeks) != len(new.weeks):
        return new
    numbers = set(rewritten)
    weeks = tuple(new.week(w.number) if w.number in numbers else w for w in old.weeks)
    return old.model_copy(update={"weeks": weeks})


def outline_of(content: PlanContent, skeleton: Skeleton, brief: TrainingBrief) -> PlanOutline:
    """The outline a plan was written from, read back from the plan: its title, weeks, and per block the
    strength exercises it used that the brief still allows, so rewritten weeks keep the block's lifts. A
    block whose lifts the brief mostly rules out (a week without kit) is left to the coach's own choice."""
    used: dict[int, list[str]] = {}
    for week in content.weeks:
        ids = used.setdefault(skeleton.block_of(week.number), [])
        # Each session's first exercises before anyone's later ones: the main lifts lead, as in an outline.
        ranked = sorted(
            (place, item.exercise_id) for s in week.sessions for place, item in enumerate(s.exercises)
        )
        for _, exercise_id in ranked:
            exercise = get_exercise(exercise_id)
            if exercise is not None and exercise.is_strength and exercise_id not in ids:
                ids.append(exercise_id)
    blocks = []
    for number, ids in sorted(used.items()):
        allowed = [i for i in ids if is_allowed(get_exercise(i), brief)]
        if len(allowed) >= max(3, KEEP_BLOCK_SHARE * len(ids)):
            why = "The lifts this block already uses, so they keep progressing."
            blocks.append(BlockOutline(number=number, exercises=allowed[:14], why=why))
    return PlanOutline(
        title=content.title[:100],
        summary=content.summary[:600],
        weeks=[WeekOutline(number=w.number, theme=w.theme, is_deload=w.is_deload) for w in content.weeks],
        blocks=blocks,
    )
