"""The persona suite: every persona's plan, made through the real path (the onboarding validation, the
brief and the offline coach `make run` uses), checked by the independent quality checker."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.factories import generate_body
from tests.quality.checker import check_plan_quality
from tests.quality.personas import PERSONAS
from web.coach.offline_coach import build_plan
from web.onboarding.formatter import build_brief
from web.onboarding.validation import parse_generate_request

TODAY = dt.date(2026, 12, 2)


def brief_of(info: dict, answers: dict):
    request = parse_generate_request(
        generate_body(str(uuid.uuid4()), info=info, answers=answers), max_free_text=1000
    )
    return build_brief(request.personal_info, request.initial_responses, today=TODAY)


def test_there_are_enough_personas() -> None:
    assert len(PERSONAS) >= 12


@pytest.mark.parametrize(("name", "info", "answers"), PERSONAS, ids=[p[0] for p in PERSONAS])
def test_a_coach_would_sign_the_plan(name: str, info: dict, answers: dict) -> None:
    brief = brief_of(info, answers)
    findings = check_plan_quality(brief, build_plan(brief))
    assert findings == [], "\n".join(f"{name}: {f.check} (week {f.week}): {f.text}" for f in findings)


def test_the_words_shape_the_plan() -> None:
    _, info, answers = PERSONAS[0]
    brief = brief_of(info, answers)
    assert brief.event is not None and brief.event.date == dt.date(2027, 2, 28)
    plan = build_plan(brief)
    assert "half marathon" in plan.title and any("28 February 2027" in line for line in plan.from_your_words)
    assert any("go under 1:50" in line for line in plan.not_understood) or brief.unparsed == []
