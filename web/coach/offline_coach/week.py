"""One week written from its target alone: any week can be written on its own, in any order, and the
plan still progresses, because the skeleton carries the progression."""

from __future__ import annotations

from collections import Counter

from web.coach.offline_coach import other, selection, strength
from web.coach.offline_coach.layout import TEMPLATES, Layout, Slot, build_layout
from web.coach.offline_coach.runs import run_sessions
from web.coach.offline_coach.strength import ACCESSORY, MAIN, REST, Item
from web.domain.brief import TrainingBrief
from web.domain.catalogue import get_exercise
from web.domain.enums import Goal, SessionKind
from web.domain.plan import PlannedSession, PlannedWeek
from web.domain.rules import MAX_HARD_SETS_PER_GROUP
from web.domain.skeleton import Phase, Skeleton, WeekTarget, build_skeleton

GROUP_CAP = MAX_HARD_SETS_PER_GROUP - 2  # room under the rules' cap for rounding

THEMES = {
    Phase.base: "Base", Phase.build: "Build", Phase.peak: "Peak", Phase.deload: "Deload week",
    Phase.taper: "Taper", Phase.race: "Race week",
}  # fmt: skip


def plan_layout(brief: TrainingBrief, skeleton: Skeleton) -> Layout:
    return build_layout(brief, skeleton.weeks[0])


def _strength_items(brief: TrainingBrief, slot: Slot, picker: selection.Picker) -> list[Item]:
    main_rest, accessory_rest = REST[brief.goal]
    items = []
    for pattern, main in TEMPLATES[slot.template][1]:
        exercise = picker.pick(pattern, main=main)
        if exercise is not None and exercise.id not in {i.exercise.id for i in items}:
            role = MAIN if main and exercise.pattern not in ("core", "carry", "calves") else ACCESSORY
            items.append(Item(exercise, role, 3, main_rest if role == MAIN else accessory_rest))
    for pattern in ("core", "get_up", "squat", "hinge", "carry") if len(items) < 2 else ():
        exercise = picker.pick(pattern)  # injuries ruled out the template's patterns: what is left
        if exercise is not None and exercise.id not in {i.exercise.id for i in items}:
            items.append(Item(exercise, ACCESSORY, 3, accessory_rest))
    items.sort(key=lambda i: i.role != MAIN)  # the main lifts open the session
    if items and not any(i.role == MAIN for i in items) and not items[0].exercise.timed:
        items[0].role = MAIN  # no main lift was possible: the first exercise is worked as one
    return items


_EXTRA_PATTERNS = ("core", "single_leg", "hinge", "squat", "carry", "calves", "get_up", "pull_horizontal")


def _ensure_capacity(brief: TrainingBrief, items: list[Item], total: int, picker: selection.Picker) -> None:
    """Where injuries or kit leave too few exercises to hold the session's sets, add others that are allowed."""
    _, accessory_rest = REST[brief.goal]
    for pattern in _EXTRA_PATTERNS:
        if sum(strength.MAX_SETS[i.role] for i in items if i.role in (MAIN, ACCESSORY)) >= total:
            return
        exercise = picker.pick(pattern)
        if exercise is not None and exercise.id not in {i.exercise.id for i in items}:
            items.append(Item(exercise, ACCESSORY, 2, accessory_rest))


def _main_first(items: list[Item]) -> None:
    """The first exercise with reps is worked as a main lift (its reps are the week's main range)."""
    first = next(
        (
            i
            for i in items
            if i.exercise.is_strength and not i.exercise.timed and i.exercise.pattern != "get_up"
        ),
        None,
    )
    if first is not None and first.role != MAIN:
        first.role = MAIN


def _add_focus(brief: TrainingBrief, sessions: list[list[Item]], block: int) -> None:
    """Each wish from the person's words gets its exercise, in the session that has the fewest."""
    _, accessory_rest = REST[brief.goal]
    for exercise in selection.focus_exercises(brief, block):
        if any(i.exercise.id == exercise.id for items in sessions for i in items):
            continue
        target = min(sessions, key=len, default=None)
        if target is not None:
            target.insert(min(2, len(target)), Item(exercise, ACCESSORY, 2, accessory_rest))


def _group_sets(sessions: list[list[Item]]) -> Counter[str]:
    groups: Counter[str] = Counter()
    for items in sessions:
        for item in items:
            if item.exercise.is_strength:
                for group in item.exercise.muscle_groups:
                    groups[group] += item.sets
    return groups


_SMALL_GROUP_PATTERNS = ("biceps", "triceps", "calves", "core", "pull_horizontal", "push_vertical", "carry")


def _balance_groups(sessions: list[list[Item]], picker: selection.Picker, rest: int) -> None:
    """Keep every muscle group under the weekly cap, moving sets to the least-worked groups (adding an
    exercise for them when none has room)."""
    extra = iter(_SMALL_GROUP_PATTERNS)
    for _ in range(300):
        groups = _group_sets(sessions)
        over = [g for g, n in groups.items() if n > GROUP_CAP]
        if not over:
            return
        hits = [i for items in sessions for i in items if over[0] in i.exercise.muscle_groups and i.sets > 1]
        if not hits:
            return
        victim = max(hits, key=lambda i: (i.role == ACCESSORY, i.sets))
        victim.sets -= 1
        spare = [
            i for items in sessions for i in items
            if i.exercise.is_strength and i.sets < strength.MAX_SETS[i.role]
            and all(groups[g] + 1 <= GROUP_CAP - 1 for g in i.exercise.muscle_groups)
        ]  # fmt: skip
        if spare:
            min(spare, key=lambda i: (i.sets, i.role == MAIN)).sets += 1
            continue
        for pattern in extra:
            exercise = picker.pick(pattern)
            if exercise is None or any(groups[g] + 2 > GROUP_CAP for g in exercise.muscle_groups):
                continue
            without = [items for items in sessions if exercise.id not in {i.exercise.id for i in items}]
            if without:  # never the same exercise twice in one session
                min(without, key=len).append(Item(exercise, ACCESSORY, 1, rest))
                break


def write_week(
    brief: TrainingBrief, target: WeekTarget, layout: Layout, chosen: tuple[str, ...] = ()
) -> PlannedWeek:
    """Week `target.number`, written to its target, with the block's `chosen` exercises first."""
    slots = layout.for_week(target)
    strength_slots = [s for s in slots if s.kind == "strength"]
    mains = sum(main for slot in strength_slots for _, main in TEMPLATES[slot.template][1])
    picker = selection.Picker(brief, target.block, chosen, mains)
    items = [_strength_items(brief, slot, picker) for slot in strength_slots]
    _add_focus(brief, items, target.block)
    for session_items, total in zip(items, strength.session_sets(target, len(items)), strict=True):
        _ensure_capacity(brief, session_items, total, picker)
        _main_first(session_items)
        strength.allot(session_items, total)
    _balance_groups(items, picker, REST[brief.goal][1])
    drills = selection.focus_drills(brief, target.block) + selection.mobility(brief, target.block)
    sessions: dict = {}
    room = int(target.strength_sets * 1.1) - sum(
        i.sets for its in items for i in its if i.role != strength.COOLDOWN
    )
    groups = _group_sets(items)
    steady = next(iter(selection.cardio(brief, target.block, "cardio_steady")), None)

    def may_add(item: Item) -> bool:  # a set more only where every group it trains has room
        if not item.exercise.is_strength or any(
            groups[g] + 1 > GROUP_CAP for g in item.exercise.muscle_groups
        ):
            return False
        groups.update(item.exercise.muscle_groups)
        return True

    for slot, session_items in zip(strength_slots, items, strict=True):
        allowed = sum(i.sets for i in session_items) + max(0, room) // max(len(items), 1)
        spare = [d for d in drills if d.id not in picker.used]
        strength.fit_time(brief, target, session_items, spare, allowed, steady, may_add)
        title = TEMPLATES[slot.template][0] + (" (lighter)" if target.is_deload else "")
        sessions[slot.day] = strength.render(
            brief, target, session_items, slot.day, title, SessionKind.strength
        )
    runs = [(s.day, s.kind) for s in slots if s.kind in ("long", "quality", "easy")]
    sessions.update(run_sessions(brief, target, runs, "easy_run"))
    for slot in slots:
        if slot.kind in ("conditioning", "steady", "mobility"):
            sessions[slot.day] = getattr(other, slot.kind)(brief, target, slot.day)
    ordered: list[PlannedSession] = [sessions[s.day] for s in slots if s.day in sessions]
    return PlannedWeek(
        number=target.number,
        theme=theme(target),
        is_deload=target.is_deload,
        sessions=ordered,
        notes=week_notes(brief, target),
    )


def choose_blocks(brief: TrainingBrief, skeleton: Skeleton, layout: Layout) -> dict[int, tuple[str, ...]]:
    """Each block's exercises: what its first training week (not a deload, taper or race week) uses."""
    chosen: dict[int, tuple[str, ...]] = {}
    for target in skeleton.weeks:
        if target.block not in chosen and target.phase not in (Phase.deload, Phase.taper, Phase.race):
            chosen[target.block] = tuple(block_exercises(write_week(brief, target, layout)))
    return chosen


def block_exercises(week: PlannedWeek) -> list[str]:
    """The strength exercises of a written week, each once, the sessions' openers (their main lifts)
    first: the exercises its block uses."""
    placed: list[tuple[int, int, str]] = []
    for s, session in enumerate(week.sessions):
        if session.kind is SessionKind.strength:
            strength_ids = [e.exercise_id for e in session.exercises if _is_strength(e.exercise_id)]
            placed += [(i, s, exercise_id) for i, exercise_id in enumerate(strength_ids)]
    return list(dict.fromkeys(exercise_id for _, _, exercise_id in sorted(placed)))[:14]


def _is_strength(exercise_id: str) -> bool:
    exercise = get_exercise(exercise_id)
    return exercise is not None and exercise.is_strength


def theme(target: WeekTarget) -> str:
    name = THEMES[target.phase]
    return name if target.phase in (Phase.taper, Phase.race) else f"Block {target.block}: {name}"


def week_notes(brief: TrainingBrief, target: WeekTarget) -> str:
    notes = [target.focus]
    if target.running_km:
        notes.append(f"Running: {target.running_km:g} km this week, the long run {target.long_run_km:g} km.")
    if target.strength_sets and not target.is_deload:
        low, high = target.rep_range
        notes.append(f"Main lifts {low}-{high} reps at RPE {target.rpe:g}.")
    if brief.injuries:
        injured = ", ".join(i.value.replace("_", " ") for i in brief.injuries)
        notes.append(f"Stay in a pain-free range: skip or ease off anything that provokes your {injured}.")
    if brief.goal is Goal.fat_loss:
        notes.append("Daily walking and protein at each meal help as much as the sessions.")
    return " ".join(notes)[:500]


def build_weeks(brief: TrainingBrief) -> list[PlannedWeek]:
    skeleton = build_skeleton(brief)
    layout = plan_layout(brief, skeleton)
    return [write_week(brief, target, layout) for target in skeleton.weeks]
