"""Changing a plan in the browser: the change page says what adjusting would do from the log, the
adjustment is followed live and lands on a new version that says what changed; a week redone for two
days without kit; an exercise swapped from its row. (axe checks these pages in test_accessibility.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import App, login, register, seed_plan
from tests.e2e.test_journey import shots

pytestmark = pytest.mark.e2e


def _plans(app: App, acct) -> list[dict]:
    with app.client(acct) as client:
        return client.get("/api/v1/plans").json()


def _current(app: App, acct) -> dict:
    with app.client(acct) as client:
        return client.get("/api/v1/plans/current").json()


def _land(page: Page) -> None:
    """The change followed live to its end: the progress page goes to the plan on its own."""
    expect(page).to_have_url(re.compile(r"/generate/"))
    expect(page.locator("section.changed")).to_be_visible(timeout=30_000)


def test_adjust_from_the_log_then_redo_a_week(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    plan = seed_plan(app, acct)["plan"]
    with app.client(acct) as client:
        for session in (1, 2):
            body = {"status": "done", "rpe": 9, **({"pain": "knee"} if session == 1 else {})}
            r = client.put(f"/api/v1/plans/{plan['id']}/weeks/1/sessions/{session}/log", json=body)
            assert r.status_code == 200, r.text
    login(context, app, acct)
    page.goto("/plan")
    page.get_by_role("link", name="Change this plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your plan")
    adjust = page.locator("section", has=page.get_by_role("heading", name="Adjust the rest of my plan"))
    expect(adjust).to_contain_text("You reported knee pain (week 1)")
    expect(adjust).to_contain_text("Your sessions felt hard (effort 9.0 of 10")
    shots(page, "plan-change")

    adjust.get_by_role("button", name="Adjust weeks 2-4").click()
    _land(page)
    changed = page.locator("section.changed")
    expect(changed.get_by_role("heading")).to_have_text("What changed from version 1")
    expect(changed).to_contain_text("knee pain")
    assert [p["version"] for p in _plans(app, acct)] == [2, 1]

    page.get_by_role("link", name="What your coach has learned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What your coach has learned")
    expect(page.get_by_text("Knee: no jumping")).to_have_count(0)  # not a knee plan: no knee limit
    expect(page.locator(".note").first).to_be_visible()
    shots(page, "playbook")
    page.goto("/plan")
    assert _current(app, acct)["content"]["weeks"][0] == plan["content"]["weeks"][0]

    page.get_by_role("link", name="Change this plan").click()
    redo = page.locator("form.redo-form")
    redo.get_by_label("Which week").select_option("3")
    for day in ("Monday", "Wednesday", "Friday", "Saturday"):
        redo.get_by_label(day).uncheck()
    redo.get_by_label("Tuesday").check()
    redo.get_by_label("Thursday").check()
    redo.get_by_label("No equipment").check()
    redo.get_by_role("button", name="Redo this week").click()
    _land(page)
    expect(page.locator("section.changed")).to_contain_text(
        "Week 3 rewritten for 2 days (Tuesday, Thursday) and no equipment"
    )
    week3 = _current(app, acct)["content"]["weeks"][2]
    assert [s["day"] for s in week3["sessions"]] == ["tue", "thu"]


def test_nothing_to_adjust_is_said_and_a_redo_without_days_is_refused(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = register(app)
    plan = seed_plan(app, acct)["plan"]
    login(context, app, acct)
    page.goto(f"/plans/{plan['id']}/change")
    expect(page.get_by_role("button", name=re.compile("^Adjust weeks"))).to_have_count(0)
    expect(page.get_by_text("Your log shows nothing to change yet")).to_be_visible()
    redo = page.locator("form.redo-form")
    expect(redo.get_by_label("Monday")).to_be_checked()  # the usual days, ticked
    for box in redo.get_by_role("checkbox").all():
        box.uncheck()
    redo.get_by_role("button", name="Redo this week").click()
    expect(page.get_by_role("alert")).to_contain_text("Say what is different that week")
    assert len(_plans(app, acct)) == 1


def test_swap_an_exercise_from_its_row(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    plan = seed_plan(app, acct)["plan"]
    first = plan["content"]["weeks"][0]["sessions"][0]["exercises"][0]
    login(context, app, acct)
    page.goto("/plan")
    page.get_by_role("link", name=f"Swap {first['name']}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Swap {first['name']}")
    choices = page.get_by_role("radio")
    expect(choices.first).to_be_checked()
    chosen = choices.nth(choices.count() - 1)
    chosen.check()
    picked = chosen.get_attribute("value")
    shots(page, "plan-swap")
    page.get_by_role("button", name="Swap it").click()
    _land(page)
    expect(page.locator("section.changed")).to_contain_text(f"in place of {first['name']}")
    ids = {
        i["exercise_id"]
        for s in _current(app, acct)["content"]["weeks"][0]["sessions"]
        for i in s["exercises"]
    }
    assert picked in ids and first["exercise_id"] not in ids
