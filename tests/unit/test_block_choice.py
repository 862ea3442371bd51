"""The exercises an outline chooses for each block: checked against the person, carried to the week
prompts, held to by the rules, and followed by the offline coach when it writes a week for the LLM."""

from __future__ import annotations

from tests.unit.test_rules import make_brief
from web.coach import prompts
from web.coach.offline_coach import build_outline, build_week, frame
from web.coach.offline_coach.week import block_exercises
from web.domain.catalogue import allowed_exercises, get_exercise
from web.domain.enums import Equipment, Goal, Injury
from web.domain.plan import BlockOutline
from web.domain.rules import check_week
from web.domain.rules_targets import check_block_choice
from web.generation.outline import outline_problems, usable_blocks

RACK = [Equipment.barbell, Equipment.squat_rack, Equipment.bench, Equipment.pull_up_bar, Equipment.dumbbells]


def test_the_offline_outline_names_each_blocks_exercises_and_its_weeks_use_them() -> None:
    brief = make_brief(goal=Goal.strength, weeks=12, equipment=RACK)
    outline = build_outline(brief)
    skeleton, _ = frame(brief)
    assert [b.number for b in outline.blocks] == sorted({w.block for w in skeleton.weeks})
    for target in skeleton.weeks:
        week = build_week(brief, target.number)
        assert check_block_choice(week, outline.block(target.block).exercises) == []
    mains = {b.number: b.exercises[0] for b in outline.blocks}
    assert get_exercise(mains[1]).equipment  # the first main lift is loaded: the kit is used
    assert outline_problems(brief, skeleton, outline) == (True, 0)


def test_a_week_written_to_another_choice_follows_it_within_the_rules() -> None:
    brief = make_brief(goal=Goal.muscle, weeks=8, equipment=RACK)
    skeleton, _ = frame(brief)
    own = build_outline(brief).block(1).exercises
    allowed = [e for e in allowed_exercises(brief) if e.is_strength]
    other = [
        next(e.id for e in allowed if e.pattern == get_exercise(i).pattern and e.id not in own)
        for i in own[:4]
    ]
    week = build_week(brief, 2, tuple(other))
    used = set(block_exercises(week))
    assert set(other) <= used and used != set(own)
    assert check_week(brief, week, (), skeleton.week(2)) == []


def test_a_week_that_ignores_its_blocks_choice_is_named_for_repair() -> None:
    brief = make_brief(goal=Goal.strength, weeks=8, equipment=RACK)
    week = build_week(brief, 1)
    found = check_block_choice(week, ["goblet_squat", "dumbbell_bench_press", "dumbbell_row"])
    assert [v.code for v in found] == ["target_block_exercises"]
    assert "goblet_squat, dumbbell_bench_press, dumbbell_row" in found[0].message
    assert check_block_choice(week, []) == []  # no choice made: nothing to keep to


def test_unknown_and_forbidden_exercises_and_foreign_blocks_are_counted_then_dropped() -> None:
    brief = make_brief(weeks=8, equipment=[Equipment.dumbbells], injuries=[Injury.knee])
    skeleton, _ = frame(brief)
    outline = build_outline(brief)
    first = outline.blocks[0]
    bad = outline.model_copy(
        update={
            "blocks": [
                first.model_copy(
                    update={"exercises": ["laser_squat", "back_squat", "jump_squat", *first.exercises]}
                ),
                BlockOutline(number=9, exercises=["push_up"], why="not a block of this plan"),
                first,  # the same block twice: the first entry stands
            ]
        }
    )
    covered, unusable = outline_problems(brief, skeleton, bad)
    assert covered and unusable == 1 + 1 + 1 + 1 + 1  # unknown, no barbell, knee, foreign block, repeat
    kept = usable_blocks(brief, skeleton, bad)
    assert [b.number for b in kept] == [1] and kept[0].exercises == first.exercises
    short = outline.model_copy(update={"weeks": outline.weeks[:-1]})
    assert outline_problems(brief, skeleton, short)[0] is False


def test_the_prompts_carry_the_blocks_and_each_weeks_choice() -> None:
    brief = make_brief(goal=Goal.strength, weeks=8, equipment=RACK)
    outline = build_outline(brief)
    asked = prompts.outline_messages(brief)[1]["content"]
    assert prompts.BLOCKS_OPEN in asked and "Block 2: weeks 5-8" in asked
    week = prompts.week_messages(brief, outline, 6)[1]["content"]
    assert "Exercises of block 2" in week and ", ".join(outline.block(2).exercises) in week
    repair = prompts.repair_messages(brief, outline, build_week(brief, 6), ["x"])[1]["content"]
    assert "Exercises of block 2" in repair
