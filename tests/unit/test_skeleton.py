"""The periodisation skeleton: what a coach expects of the per-week targets, for varied people."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from web.domain.brief import TargetEvent, TrainingBrief
from web.domain.enums import Activity, Equipment, Experience, Goal, Injury, Weekday
from web.domain.skeleton import Phase, Quality, build_skeleton, expected_sessions

ALL_DAYS = list(Weekday)


def brief(**overrides) -> TrainingBrief:
    fields = dict(
        goal=Goal.general,
        experience=Experience.intermediate,
        weeks=12,
        days=ALL_DAYS[:6],
        sessions_per_week=4,
        minutes_per_session=60,
        equipment=[Equipment.dumbbells],
        injuries=[],
        activities=[Activity.strength],
        current_weekly_running_km=0,
        age=35,
        sex="female",
        height_cm=168,
        weight_kg=64,
        motivation=3,
    )
    fields.update(overrides)
    return TrainingBrief(**fields)


def runner(**overrides) -> TrainingBrief:
    fields = dict(
        goal=Goal.endurance,
        activities=[Activity.running],
        current_weekly_running_km=40,
        sessions_per_week=5,
        minutes_per_session=90,
    )
    fields.update(overrides)
    return brief(**fields)


def half_marathon(date: dt.date | None = None) -> TargetEvent:
    return TargetEvent(kind="race", label="half marathon", distance_km=21.1, date=date)


def test_the_runner_starts_from_their_current_volume_and_builds_within_ten_percent() -> None:
    sk = build_skeleton(runner(event=half_marathon()))
    weeks = sk.weeks
    assert weeks[0].running_km == pytest.approx(40, abs=0.5)
    builds = [w for w in weeks if w.phase in (Phase.base, Phase.build, Phase.peak)]
    for before, after in itertools.pairwise(builds):
        assert after.running_km <= before.running_km * 1.10 + 0.1
    assert max(w.running_km for w in weeks) > weeks[0].running_km  # it builds
    for w in weeks:
        if w.run_sessions > 1 and not w.race_km:
            easy = (w.running_km - w.long_run_km) / (w.run_sessions - 1)
            assert w.long_run_km > easy, f"week {w.number}: long run {w.long_run_km} vs easy {easy:.1f}"


def test_a_dated_race_inside_the_plan_gets_a_taper_the_race_and_a_recovery_week() -> None:
    start = dt.date(2027, 1, 4)
    sk = build_skeleton(
        runner(weeks=16, start_date=start, event=half_marathon(start + dt.timedelta(weeks=11, days=6)))
    )
    phases = [w.phase for w in sk.weeks]
    assert phases[11] is Phase.race and sk.weeks[11].race_km == 21.1
    assert phases[9:11] == [Phase.taper, Phase.taper]
    assert phases[12] is Phase.deload  # recover after the race
    peak = max(w.running_km for w in sk.weeks[:9])
    assert sk.weeks[9].running_km < peak * 0.7 and sk.weeks[10].running_km < sk.weeks[9].running_km
    assert any("week 12" in note and "tapering" in note for note in sk.notes)


def test_an_undated_race_is_at_the_end_and_a_race_after_the_plan_has_no_taper() -> None:
    sk = build_skeleton(runner(event=half_marathon()))
    assert sk.weeks[-1].phase is Phase.race
    later = build_skeleton(runner(start_date=dt.date(2027, 1, 4), event=half_marathon(dt.date(2027, 9, 1))))
    assert Phase.race not in {w.phase for w in later.weeks} and Phase.taper not in {
        w.phase for w in later.weeks
    }
    assert any("after this plan ends" in note for note in later.notes)


def test_deloads_every_fourth_week_are_lighter_and_short_plans_have_none() -> None:
    sk = build_skeleton(
        brief(weeks=12, activities=[Activity.strength, Activity.running], current_weekly_running_km=15)
    )
    assert [w.number for w in sk.weeks if w.is_deload] == [4, 8, 12]
    for w in sk.weeks:
        if w.is_deload:
            before = sk.weeks[w.number - 2]
            assert w.strength_sets <= before.strength_sets * 0.7
            assert w.running_km <= before.running_km * 0.7 + 0.05
    assert not any(w.is_deload for w in build_skeleton(brief(weeks=4)).weeks)


def test_later_blocks_peak_higher_or_change_the_stimulus() -> None:
    sk = build_skeleton(brief(goal=Goal.strength, weeks=12))
    peaks = {}
    for w in sk.weeks:
        if not w.is_deload:
            peaks[w.block] = max(peaks.get(w.block, 0), w.strength_sets)
    assert peaks[2] >= peaks[1] and peaks[3] >= peaks[2]
    assert len({sk.weeks[0].rep_range, sk.weeks[4].rep_range, sk.weeks[8].rep_range}) == 3
    first_rpe = [w.rpe for w in sk.weeks if w.block == 1 and not w.is_deload]
    assert first_rpe == sorted(first_rpe) and first_rpe[0] < first_rpe[-1]


@pytest.mark.parametrize("level", list(Experience))
def test_rep_ranges_by_level(level: Experience) -> None:
    sk = build_skeleton(brief(experience=level, goal=Goal.strength, weeks=16))
    lows = [w.rep_range[0] for w in sk.weeks]
    if level is Experience.beginner:
        assert min(lows) >= 8  # ACSM 2009: novices 8-12 reps
    if level is Experience.advanced:
        assert min(lows) <= 3  # heavy work by the last blocks


def test_older_people_stay_in_moderate_reps_and_effort() -> None:
    sk = build_skeleton(brief(age=72, experience=Experience.advanced, goal=Goal.strength))
    assert all(w.rep_range[0] >= 8 and w.rpe <= 7.5 for w in sk.weeks)


def test_no_running_unless_asked_for() -> None:
    sk = build_skeleton(brief(goal=Goal.fat_loss, activities=[Activity.strength, Activity.conditioning]))
    assert not sk.running and all(w.running_km == 0 and w.run_sessions == 0 for w in sk.weeks)
    asked = build_skeleton(brief(activities=[Activity.strength, Activity.running]))
    assert asked.running and all(w.run_sessions >= 1 for w in asked.weeks)


def test_a_beginner_who_runs_ten_km_and_names_a_10k_race_runs_from_ten_km() -> None:
    race = TargetEvent(kind="race", label="10 km race", distance_km=10)
    sk = build_skeleton(
        brief(
            experience=Experience.beginner,
            current_weekly_running_km=10,
            injuries=[Injury.knee],
            event=race,
            sessions_per_week=3,
        )
    )
    assert sk.running and sk.weeks[0].running_km == pytest.approx(10, abs=0.5)
    assert sk.weeks[-1].race_km == 10
    assert all(w.quality is not Quality.intervals for w in sk.weeks)  # a sore knee: no hard repeats


def test_a_sore_ankle_keeps_running_out_and_says_so() -> None:
    sk = build_skeleton(runner(injuries=[Injury.ankle]))
    assert not sk.running
    assert any("ankle" in note for note in sk.notes)


def test_time_the_person_does_not_have_is_named_not_hidden() -> None:
    sk = build_skeleton(runner(minutes_per_session=40, sessions_per_week=4))
    assert sk.weeks[0].running_km < 40
    assert any("does not fit" in note for note in sk.notes)


@pytest.mark.parametrize("sessions", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("goal", list(Goal))
def test_session_mix_adds_up_and_time_use_is_eighty_to_a_hundred_percent(sessions: int, goal: Goal) -> None:
    b = brief(goal=goal, sessions_per_week=sessions, activities=[Activity.strength, Activity.running])
    sk = build_skeleton(b)
    for w in sk.weeks:
        assert w.sessions == expected_sessions(b)
        assert w.minutes_max == 60
        runner = w.run_sessions >= 2
        share = 30 if w.is_deload or w.phase is Phase.race else 36 if runner else 48
        assert w.minutes_min <= share
        if w.minutes_min < share and not w.is_deload and w.phase is not Phase.race:
            assert any("at your level more sets would not help yet" in n for n in sk.notes), sk.notes


def test_the_same_brief_gives_the_same_skeleton() -> None:
    assert build_skeleton(runner(event=half_marathon())) == build_skeleton(runner(event=half_marathon()))


@pytest.mark.parametrize("weeks", [4, 8, 12, 16])
@pytest.mark.parametrize("level", list(Experience))
def test_the_targets_obey_the_progression_rules_themselves(weeks: int, level: Experience) -> None:
    """Weeks are held to their targets, so the targets must progress as the rules ask: running up by
    at most 10% a build week, hard sets by at most 20% (+2), deloads at most 70% of the week before."""
    for b in (
        runner(weeks=weeks, experience=level, event=half_marathon()),
        brief(weeks=weeks, experience=level),
    ):
        build = None
        for w in build_skeleton(b).weeks:
            if w.is_deload and build is not None:
                assert w.running_km <= build.running_km * 0.7 + 1e-6
                assert w.strength_sets <= build.strength_sets * 0.7 + 1e-6
            elif not w.is_deload and w.phase is not Phase.race:
                if build is not None:
                    assert w.running_km <= build.running_km * 1.10 + 0.05
                    assert w.strength_sets <= build.strength_sets * 1.2 + 2
                build = w
