"""Reading the person's words: races, dates, events, wishes and sore body parts."""

from __future__ import annotations

import datetime as dt

import pytest

from web.domain.brief import Focus
from web.domain.enums import Injury
from web.domain.words import next_monday_or_today, parse_date, read

TODAY = dt.date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "label", "km", "date"),
    [
        ("Half marathon on 12 April", "half marathon", 21.1, dt.date(2027, 4, 12)),
        ("I want to run the Berlin marathon 2027-09-26.", "marathon", 42.2, dt.date(2027, 9, 26)),
        ("I run 10 km a week and want to do a 10k on 14/03/2027", "10 km race", 10, dt.date(2027, 3, 14)),
        ("parkrun in 8 weeks", "5 km race", 5, TODAY + dt.timedelta(weeks=8)),
        ("My first 5k race, April 3rd", "5 km race", 5, dt.date(2027, 4, 3)),
        ("Training for a half-marathon", "half marathon", 21.1, None),
    ],
)
def test_races_and_their_dates(text: str, label: str, km: float, date: dt.date | None) -> None:
    event = read([text], TODAY).event
    assert event is not None and event.kind == "race"
    assert (event.label, event.distance_km, event.date) == (label, km, date)


def test_a_weekly_distance_is_not_a_race() -> None:
    assert read(["I run 10 km a week"], TODAY).event is None
    assert read(["I do about 5k per week"], TODAY).event is None


def test_events_that_are_not_races() -> None:
    event = read(["Look good for my wedding on June 5th"], TODAY).event
    assert event is not None and (event.kind, event.label, event.date) == (
        "event",
        "wedding",
        dt.date(2027, 6, 5),
    )
    assert read(["A hiking trip in the Alps"], TODAY).event.label == "hike"


def test_wishes_become_focus() -> None:
    reading = read(["I want to get up from the floor and carry my grandson. Stairs are hard."], TODAY)
    assert reading.focus == [Focus.floor_transfer, Focus.carrying, Focus.stairs]
    assert any("getting up from the floor" in line for line in reading.understood)


def test_a_sore_body_part_is_read_only_with_a_pain_word() -> None:
    assert read(["My knee is sore after long runs"], TODAY).injuries == [Injury.knee]
    assert read(["bad back and a stiff neck"], TODAY).injuries == [Injury.lower_back, Injury.neck]
    assert read(["I want a stronger back"], TODAY).injuries == []


def test_what_is_not_understood_is_kept_word_for_word() -> None:
    reading = read(["I like podcasts while I train. Half marathon in April."], TODAY)
    assert reading.unparsed == ["I like podcasts while I train."]
    assert reading.event is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-02-30", None),  # no such day: no date, not an error
        ("31/12/26", dt.date(2026, 12, 31)),
        ("on 1 December", dt.date(2027, 12, 1)),  # past this year: next year
        ("December 2nd", TODAY),
        ("in two months", TODAY + dt.timedelta(days=60)),
        ("someday", None),
    ],
)
def test_dates(text: str, expected: dt.date | None) -> None:
    assert parse_date(text, TODAY) == expected


def test_plans_start_on_the_next_monday_or_today() -> None:
    assert next_monday_or_today(TODAY) == dt.date(2026, 12, 7)
    assert next_monday_or_today(dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)
