"""Why this plan (each constraint, in numbers) and the weekly load chart (an accessible SVG)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.unit.test_offline_coach import make_brief
from web.coach.offline_coach import build_plan
from web.domain.enums import Activity, Equipment, Injury
from web.domain.explain import explain, weekly_load
from web.domain.rules import total_hard_sets, weekly_running_km
from web.plans.chart import load_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_each_constraint_is_explained_with_numbers() -> None:
    brief = make_brief(
        weeks=8, injuries=[Injury.knee], equipment=[Equipment.dumbbells, Equipment.rower],
        activities=[Activity.strength, Activity.running], current_weekly_running_km=15, minutes_per_session=60,
    )  # fmt: skip
    plan = build_plan(brief)
    by_code = {c.code: c for c in plan.constraints}
    assert set(by_code) == {"days", "minutes", "equipment", "injury:knee", "running"}
    assert "against your 60" in by_code["minutes"].text
    assert (
        "dumbbells" in by_code["equipment"].text
        and "not needed for this goal: rower" in by_code["equipment"].text
    )
    knee = by_code["injury:knee"]
    assert knee.details and knee.details[0].startswith("Left out:") and "lunge" in knee.details[0]
    assert "you run 15 km now" in by_code["running"].text
    assert explain(brief, []) == []


def test_no_running_is_said_when_none_was_asked() -> None:
    plan = build_plan(make_brief())
    assert (
        next(c for c in plan.constraints if c.code == "running").text == "No running: you did not ask for it."
    )


def test_the_chart_is_well_formed_and_carries_the_numbers() -> None:
    brief = make_brief(
        weeks=8, activities=[Activity.strength, Activity.running], current_weekly_running_km=12
    )
    plan = build_plan(brief)
    loads = weekly_load(plan.weeks)
    assert [w.hard_sets for w in loads] == [total_hard_sets(w) for w in plan.weeks]
    assert [w.running_km for w in loads] == [round(weekly_running_km(w), 1) for w in plan.weeks]
    root = ET.fromstring(load_svg(loads))
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 8
    assert [b.get("class") for b in bars].count("bar deload") == sum(w.is_deload for w in loads) >= 1
    assert root.find(f"{SVG}polyline") is not None  # the running line
    desc = root.find(f"{SVG}desc").text
    assert f"week 1: {loads[0].hard_sets} sets" in desc
    heights = [float(b.get("height")) for b in bars]
    assert heights[3] < heights[2]  # the deload bar is lower


def test_no_chart_for_an_empty_plan_and_no_line_without_running() -> None:
    assert load_svg([]) == ""
    root = ET.fromstring(load_svg(weekly_load(build_plan(make_brief(weeks=4)).weeks)))
    assert root.find(f"{SVG}polyline") is None
