"""The iCalendar writer: text escaped, long lines folded on character boundaries, dates from the first day."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.unit.test_rules import make_brief
from web.coach.offline_coach import build_plan
from web.domain.enums import Weekday
from web.plans.calendar import _fold, _text, plan_ics, plan_start, session_date


def test_text_is_escaped_and_lines_fold_without_splitting_a_character() -> None:
    assert _text('Squat; then bench, then "rest"\nand \\ done') == (
        'Squat\\; then bench\\, then "rest"\\nand \\\\ done'
    )
    line = "DESCRIPTION:" + "é" * 100
    folded = _fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts) and "".join(parts) == line


def test_sessions_fall_on_their_days_from_the_plans_first_monday() -> None:
    monday = dt.date(2026, 12, 7)
    assert session_date(monday, 1, Weekday.mon) == monday
    assert session_date(monday, 2, Weekday.sat) == dt.date(2026, 12, 19)
    made = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)  # a Thursday: the plan starts the next Monday
    assert plan_start(None, made) == monday
    assert plan_start(dt.date(2026, 12, 14), made) == dt.date(2026, 12, 14)


def test_every_session_is_an_event() -> None:
    brief = make_brief(weeks=4)
    plan = build_plan(brief)
    ics = plan_ics(plan, uuid.uuid4(), dt.date(2026, 12, 7), dt.datetime(2026, 12, 4, tzinfo=dt.UTC))
    assert ics.count("BEGIN:VEVENT") == sum(len(w.sessions) for w in plan.weeks)
    assert "DTSTAMP:20261204T000000Z" in ics and "\n" not in ics.replace("\r\n", "")
