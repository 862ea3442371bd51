"""Living with a plan over the API: the dated schedule, logging a session done or skipped (idempotent),
undoing it, adherence per week as the days pass, and every bad input refused with nothing written."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.factories import account, made_plan
from web import clock
from web.tables import AnalyticsEvent, GenerationJob, SessionLog


@pytest.fixture
def moved_clock():
    yield clock
    clock.reset()


async def _schedule(client, acct, plan) -> dict:
    r = await client.get(f"/api/v1/plans/{plan['id']}/schedule", headers=acct.headers)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.json()


def _url(plan: dict, week: int, session: int) -> str:
    return f"/api/v1/plans/{plan['id']}/weeks/{week}/sessions/{session}/log"


async def test_every_session_is_dated_from_the_plans_first_day(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    sched = await _schedule(client, acct, plan)
    start = dt.date.fromisoformat(sched["start_date"])
    today = dt.date.fromisoformat(sched["today"])
    assert start.weekday() == 0 or start == today  # the next Monday, or today on a Monday
    assert 0 <= (start - today).days <= 7
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    planned = sum(len(w["sessions"]) for w in plan["content"]["weeks"])
    assert len(sched["sessions"]) == planned  # a Monday start leaves no session out
    for s in sched["sessions"]:
        day = dt.date.fromisoformat(s["date"])
        assert weekdays[day.weekday()] == s["day"]
        assert (day - start).days // 7 == s["week"] - 1
        title = plan["content"]["weeks"][s["week"] - 1]["sessions"][s["session"] - 1]["title"]
        assert s["title"] == title and s["log"] is None
    assert sched["current_week"] == 1
    assert [a["week"] for a in sched["adherence"]] == [w["number"] for w in plan["content"]["weeks"]]


async def test_logging_a_session_twice_keeps_one_log_and_undo_opens_it_again(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    body = {"status": "done", "rpe": 7, "minutes": 52, "note": "felt strong"}
    first = await client.put(_url(plan, 1, 1), json=body, headers=acct.headers)
    assert first.status_code == 200, first.text
    assert first.json() | {"logged_at": None} == {
        **body,
        "pain": None,
        "exercises": [],
        "week": 1,
        "session": 1,
        "logged_at": None,
    }
    lifted = [
        {"name": "Goblet squat", "load_kg": 16, "reps": 8},
        {"name": "Easy run", "distance_km": 5.2, "minutes": 31},
    ]
    again = await client.put(
        _url(plan, 1, 1), json={**body, "rpe": 8, "exercises": lifted}, headers=acct.headers
    )
    assert again.status_code == 200 and again.json()["rpe"] == 8
    assert again.json()["exercises"] == [
        {"name": "Goblet squat", "load_kg": 16.0, "reps": 8, "distance_km": None, "minutes": None},
        {"name": "Easy run", "load_kg": None, "reps": None, "distance_km": 5.2, "minutes": 31.0},
    ]
    assert await SessionLog.count() == 1
    logged = [s for s in (await _schedule(client, acct, plan))["sessions"] if s["log"]]
    assert [(s["week"], s["session"], s["log"]["rpe"]) for s in logged] == [(1, 1, 8)]
    assert await AnalyticsEvent.count().where(AnalyticsEvent.name == "session_logged") == 2

    undone = await client.delete(_url(plan, 1, 1), headers=acct.headers)
    assert undone.status_code == 204
    assert await SessionLog.count() == 0
    assert not [s for s in (await _schedule(client, acct, plan))["sessions"] if s["log"]]


async def test_the_same_log_sent_at_once_many_times_is_one_log(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    body = {"status": "skipped", "note": "travelling"}
    answers = await asyncio.gather(
        *(client.put(_url(plan, 1, 2), json=body, headers=acct.headers) for _ in range(8))
    )
    assert {r.status_code for r in answers} == {200}
    assert await SessionLog.count() == 1


async def test_adherence_as_the_days_pass(client, moved_clock):
    acct = await account(client)
    plan = await made_plan(client, acct)
    sched = await _schedule(client, acct, plan)
    week1 = [s for s in sched["sessions"] if s["week"] == 1]
    assert len(week1) >= 3
    await client.put(_url(plan, 1, 1), json={"status": "done", "rpe": 6}, headers=acct.headers)
    await client.put(_url(plan, 1, 2), json={"status": "skipped"}, headers=acct.headers)
    # A week after week 1's start: week 1 is over, the sessions not logged in it were missed.
    start = dt.date.fromisoformat(sched["start_date"])
    moved_clock.advance(((start - dt.date.fromisoformat(sched["today"])).days + 7) * 86400)
    later = await _schedule(client, acct, plan)
    assert later["current_week"] == 2
    one = later["adherence"][0]
    assert one == {
        "week": 1,
        "planned": len(week1),
        "done": 1,
        "skipped": 1,
        "missed": len(week1) - 2,
        "percent": round(100 / len(week1)),
    }
    # The moved clock's day is "today": the sessions on it, and only those, say so.
    assert later["today"] == (start + dt.timedelta(days=7)).isoformat()
    assert [s["date"] for s in later["sessions"] if s["is_today"]] == [
        s["date"] for s in later["sessions"] if s["date"] == later["today"]
    ]
    assert any(s["is_today"] for s in later["sessions"]) == any(
        s["date"] == later["today"] for s in later["sessions"]
    )


async def test_bad_logs_are_refused_and_nothing_is_written(client):
    acct, other = await account(client), await account(client)
    plan = await made_plan(client, acct)
    cases = [
        ({"status": "maybe"}, 1, 1, 422, "status"),
        ({"status": "done", "rpe": 11}, 1, 1, 422, "rpe"),
        ({"status": "done", "minutes": 0}, 1, 1, 422, "minutes"),
        ({"status": "done", "pain": "toe"}, 1, 1, 422, "pain"),
        ({"status": "done", "note": "a\x00b"}, 1, 1, 422, "note"),
        ({"status": "done", "user": "someone"}, 1, 1, 422, "user"),
        ({"status": "done"}, 99, 1, 404, None),
        ({"status": "done"}, 1, 9, 404, None),
    ]
    for body, week, session, status, field in cases:
        r = await client.put(_url(plan, week, session), json=body, headers=acct.headers)
        assert r.status_code == status, (body, r.text)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        if field:
            assert problem["code"] == "validation_failed" and field in str(problem["errors"]), problem
        else:
            assert problem["code"] == "session_not_found", problem
    # Someone else's plan: not found, and not written.
    r = await client.put(_url(plan, 1, 1), json={"status": "done"}, headers=other.headers)
    assert r.status_code == 404 and r.json()["code"] == "plan_not_found"
    assert (
        await client.get(f"/api/v1/plans/{plan['id']}/schedule", headers=other.headers)
    ).status_code == 404
    assert (await client.put(_url(plan, 1, 1), json={"status": "done"})).status_code == 401
    assert await SessionLog.count() == 0


async def test_the_plan_page_shows_this_week_and_logs_a_session_in_one_tap(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    cookie = f"trainplan_session={acct.token}"
    page = await client.get("/plan", headers={"accept": "text/html", "Cookie": cookie})
    assert page.status_code == 200
    assert "This week" in page.text or "Your first week" in page.text
    csrf = page.cookies.get("csrftoken") or ""
    sched = await _schedule(client, acct, plan)
    first = sched["sessions"][0]
    assert first["title"] in page.text
    action = f"/plans/{plan['id']}/weeks/{first['week']}/sessions/{first['session']}/log"
    assert f'hx-post="{action}"' in page.text
    headers = {"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}", "HX-Request": "true"}

    # htmx: the session's controls come back (now "Done" with an Undo), with its badge and week count.
    r = await client.post(
        action, data={"status": "done", "_csrf_token": csrf, "next": "/plan"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert f'id="log-w{first["week"]}-s{first["session"]}"' in r.text and "Undo" in r.text
    assert f'id="badge-w{first["week"]}-s{first["session"]}" hx-swap-oob="true">Done' in r.text
    assert f'id="adherence-w{first["week"]}" hx-swap-oob="true">· 1 of' in r.text
    assert [s["log"]["status"] for s in (await _schedule(client, acct, plan))["sessions"] if s["log"]] == [
        "done"
    ]

    # Without JavaScript: the form posts and comes back to the session on the plan page.
    plain = {"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}"}
    r = await client.post(
        action, data={"status": "undo", "_csrf_token": csrf, "next": "/plan"}, headers=plain
    )
    assert r.status_code == 303 and r.headers["location"] == f"/plan#w{first['week']}-s{first['session']}"
    assert await SessionLog.count() == 0
    # Anything else is refused, and nothing is written; without the CSRF token too.
    r = await client.post(action, data={"status": "maybe", "_csrf_token": csrf}, headers=headers)
    assert r.status_code == 422
    r = await client.post(action, data={"status": "done"}, headers={"accept": "text/html", "Cookie": cookie})
    assert r.status_code == 403
    assert await SessionLog.count() == 0


async def test_a_session_before_the_plan_starts_cannot_be_logged(client):
    """A plan that starts mid-week (on a Wednesday) has no Monday session in its first week: it is not on
    the schedule, and logging it is refused rather than stored where nothing shows it."""
    acct = await account(client)
    plan = await made_plan(client, acct)
    job = (
        await GenerationJob.objects().where(GenerationJob.id == plan["job_id"]).output(load_json=True).first()
    )
    monday = dt.date.fromisoformat((await _schedule(client, acct, plan))["start_date"])
    start = monday + dt.timedelta(days=2)
    await GenerationJob.update({GenerationJob.brief: {**job.brief, "start_date": start.isoformat()}}).where(
        GenerationJob.id == job.id
    )
    sched = await _schedule(client, acct, plan)
    assert sched["start_date"] == start.isoformat()
    assert all(dt.date.fromisoformat(s["date"]) >= start for s in sched["sessions"])
    first_week = plan["content"]["weeks"][0]["sessions"]
    early = [i for i, s in enumerate(first_week, start=1) if s["day"] in ("mon", "tue")]
    assert early, "the plan has a session early in the week"
    r = await client.put(_url(plan, 1, early[0]), json={"status": "done"}, headers=acct.headers)
    assert r.status_code == 404 and r.json()["code"] == "session_not_found", r.text
    assert await SessionLog.count() == 0


async def test_the_plan_page_shows_every_week_at_a_glance_with_how_each_session_went(client):
    import re

    acct = await account(client)
    plan = await made_plan(client, acct)
    first = plan["content"]["weeks"][0]["sessions"][0]
    await client.put(_url(plan, 1, 1), json={"status": "done"}, headers=acct.headers)
    page = await client.get(
        "/plan", headers={"accept": "text/html", "Cookie": f"trainplan_session={acct.token}"}
    )
    assert page.status_code == 200 and "Every week at a glance" in page.text
    rows = re.findall(r'<tr class="[^"]*">\s*<th scope="row"><a href="#week-(\d+)">', page.text)
    assert rows == [str(w["number"]) for w in plan["content"]["weeks"]]
    cell = re.search(
        r'<td data-day="(\w+)"><a class="cell is-done" id="cell-w1-s1" href="#w1-s1">(\w+)', page.text
    )
    assert cell and cell.group(1) == first["day"].capitalize() and cell.group(2) == first["kind"].capitalize()
    sessions = sum(len(w["sessions"]) for w in plan["content"]["weeks"])
    assert len(re.findall(r'<a class="cell is-', page.text)) == sessions


async def test_how_it_went_is_added_from_the_page_and_a_bad_answer_changes_nothing(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    cookie = f"trainplan_session={acct.token}"
    page = await client.get("/plan", headers={"accept": "text/html", "Cookie": cookie})
    csrf = page.cookies.get("csrftoken") or ""
    headers = {"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}", "HX-Request": "true"}
    action = f"/plans/{plan['id']}/weeks/1/sessions/1/log"
    tapped = await client.post(
        action, data={"status": "done", "_csrf_token": csrf, "next": "/plan"}, headers=headers
    )
    assert tapped.status_code == 200 and "How did it go?" in tapped.text
    details = {
        "status": "done",
        "rpe": "8",
        "minutes": "47",
        "pain": "knee",
        "note": "knee ached",
        "_csrf_token": csrf,
    }
    r = await client.post(action, data=details, headers=headers)
    assert r.status_code == 200, r.text
    logged = (await _schedule(client, acct, plan))["sessions"][0]["log"]
    assert (logged["rpe"], logged["minutes"], logged["pain"], logged["note"]) == (8, 47, "knee", "knee ached")
    bad = await client.post(action, data={**details, "rpe": "11"}, headers=headers)
    assert bad.status_code == 422 and "Check how it went" in bad.text
    again = (await _schedule(client, acct, plan))["sessions"][0]["log"]
    assert again == logged  # nothing half-written


async def test_how_it_went_from_the_page_keeps_the_results_logged_in_the_app(client):
    """The page's form has no per-exercise results: adding effort and a note there keeps those the app
    logged (replacing the log cleared them)."""
    acct = await account(client)
    plan = await made_plan(client, acct)
    lifted = [{"name": "Goblet squat", "load_kg": 16, "reps": 8}]
    r = await client.put(_url(plan, 1, 1), json={"status": "done", "exercises": lifted}, headers=acct.headers)
    assert r.status_code == 200, r.text
    cookie = f"trainplan_session={acct.token}"
    page = await client.get("/plan", headers={"accept": "text/html", "Cookie": cookie})
    csrf = page.cookies.get("csrftoken") or ""
    headers = {"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}", "HX-Request": "true"}
    details = {"status": "done", "rpe": "7", "note": "easy", "_csrf_token": csrf}
    r = await client.post(f"/plans/{plan['id']}/weeks/1/sessions/1/log", data=details, headers=headers)
    assert r.status_code == 200, r.text
    logged = (await _schedule(client, acct, plan))["sessions"][0]["log"]
    assert (logged["rpe"], logged["note"]) == (7, "easy")
    assert [(e["name"], e["load_kg"], e["reps"]) for e in logged["exercises"]] == [("Goblet squat", 16.0, 8)]
