"""A plan's first day and "today" where the person is: a start date chosen at Generate, the next Monday
in the person's time zone by default, and the schedule's today in that time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from tests.factories import account, made_plan
from web.domain.words import next_monday_or_today
from web.tables import UserProfile

# At any moment one of these two has a different date from UTC (UTC+14 from 10:00 UTC, UTC-11 before 11:00).
FAR_ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


def _zone_off_utc() -> tuple[str, dt.date]:
    utc = dt.datetime.now(dt.UTC)
    for name in FAR_ZONES:
        local = utc.astimezone(zoneinfo.ZoneInfo(name)).date()
        if local != utc.date():
            return name, local
    raise AssertionError("one of the far zones is always on another date")


async def _schedule(client, acct, plan) -> dict:
    r = await client.get(f"/api/v1/plans/{plan['id']}/schedule", headers=acct.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_today_and_the_default_start_are_where_the_person_is(client):
    zone, local_today = _zone_off_utc()
    acct = await account(client)
    plan = await made_plan(client, acct, time_zone=zone)
    sched = await _schedule(client, acct, plan)
    assert sched["today"] == local_today.isoformat()
    assert sched["start_date"] == next_monday_or_today(local_today).isoformat()
    profile = await UserProfile.objects().where(UserProfile.id == acct.profile_id).first()
    assert profile.time_zone == zone


async def test_a_start_date_chosen_at_generate(client):
    acct = await account(client)
    utc_today = dt.datetime.now(dt.UTC).date()
    start = next_monday_or_today(utc_today) + dt.timedelta(days=14)
    plan = await made_plan(client, acct, start_date=start.isoformat(), time_zone="UTC")
    sched = await _schedule(client, acct, plan)
    assert sched["start_date"] == start.isoformat()
    assert min(s["date"] for s in sched["sessions"]) >= start.isoformat()
    assert sched["current_week"] == 1


async def test_the_review_page_offers_the_next_monday_and_refuses_a_past_start(client):
    from tests.factories import PERSONAL_FORM, QUESTIONS_FORM, form_body

    acct = await account(client)
    cookie = f"trainplan_session={acct.token}"
    page = await client.get("/onboarding/questions", headers={"accept": "text/html", "Cookie": cookie})
    csrf = page.cookies.get("csrftoken") or ""
    headers = {"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}"}
    for step, fields in (("questions", QUESTIONS_FORM), ("personal", PERSONAL_FORM)):
        r = await client.post(
            f"/onboarding/{step}",
            data=form_body({**fields, "_csrf_token": csrf, "go": "next"}),
            headers=headers,
        )
        assert r.status_code == 303, r.text
    review = await client.get("/onboarding/review", headers=headers)
    monday = next_monday_or_today(dt.datetime.now(dt.UTC).date()).isoformat()
    assert f'name="start_date" type="date" value="{monday}"' in review.text
    form = {
        "_csrf_token": csrf,
        "idempotency_key": "00000000-0000-4000-8000-000000000001",
        "start_date": "2020-01-06",
        "time_zone": "Europe/Berlin",
    }
    r = await client.post("/generate", data=form, headers=headers)
    assert r.status_code == 422
    assert "Choose a start date from today to 6 months ahead." in r.text
    assert 'value="2020-01-06"' in r.text  # what was chosen stays on the form
