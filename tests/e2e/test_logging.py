"""Living with a plan in the browser: this week's sessions on the plan page, marked done or skipped in
one tap without a reload, undone, and the week's count and badge kept in step; the page stays accessible."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import App, login, register, seed_plan
from tests.e2e.test_journey import shots

pytestmark = pytest.mark.e2e


def first_label(s: dict) -> str:
    """How the page names a session: "Mon 7 Dec, Full body A"."""
    day = dt.date.fromisoformat(s["date"])
    return f"{day:%a} {day.day} {day:%b}, {s['title']}"


def _logged(app: App, acct, plan_id: str) -> dict:
    with app.client(acct) as client:
        sessions = client.get(f"/api/v1/plans/{plan_id}/schedule").json()["sessions"]
    return {(s["week"], s["session"]): s["log"]["status"] for s in sessions if s["log"]}


def test_this_week_done_and_skip_in_one_tap(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    plan = seed_plan(app, acct)["plan"]
    with app.client(acct) as client:
        sched = client.get(f"/api/v1/plans/{plan['id']}/schedule").json()
    week = [s for s in sched["sessions"] if s["week"] == sched["current_week"]]
    first, second = week[0], week[1]
    login(context, app, acct)
    page.goto("/plan")
    panel = page.locator("section.this-week")
    expect(panel.get_by_role("heading", level=2)).to_contain_text(f"week {sched['current_week']} of")
    expect(panel.locator(".day-row")).to_have_count(len(week))
    page.evaluate("window.__stayed = true")  # gone if the page reloads

    row = panel.locator(f"#log-w{first['week']}-s{first['session']}")
    row.get_by_role("button", name=re.compile(r"^Done: .*" + re.escape(first["title"]))).click()
    expect(row.locator(".log-status")).to_contain_text("Done")
    expect(row.get_by_role("button", name=re.compile(r"^Undo: "))).to_be_focused()  # the tap's next step
    expect(page.locator("#log-announce")).to_have_text(f"Marked done: {first_label(first)}.")
    expect(page.locator(f"#adherence-w{first['week']}")).to_contain_text(f"1 of {len(week)} done")
    expect(page.locator(f"#badge-w{first['week']}-s{first['session']}")).to_have_text("Done")
    expect(page.locator(f"#cell-w{first['week']}-s{first['session']}")).to_contain_text("done")  # at a glance

    other = panel.locator(f"#log-w{second['week']}-s{second['session']}")
    other.get_by_role("button", name=re.compile(r"^Skip: ")).click()
    expect(other.locator(".log-status")).to_contain_text("Skipped")
    assert page.evaluate("window.__stayed") is True  # no reload: htmx swapped the parts
    assert _logged(app, acct, plan["id"]) == {
        (first["week"], first["session"]): "done",
        (second["week"], second["session"]): "skipped",
    }
    shots(page, "plan-this-week")

    row.get_by_role("button", name=re.compile(r"^Undo: ")).click()
    expect(row.get_by_role("button", name=re.compile(r"^Done: "))).to_be_visible()
    expect(page.locator(f"#adherence-w{first['week']}")).not_to_contain_text("1 of")
    assert _logged(app, acct, plan["id"]) == {(second["week"], second["session"]): "skipped"}


def test_a_log_the_server_does_not_take_is_rolled_back(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    plan = seed_plan(app, acct)["plan"]
    login(context, app, acct)
    page.goto("/plan")
    row = page.locator("section.this-week .log").first
    expect(row.locator(".log-status")).to_contain_text("Not done yet")
    page.route(
        re.compile(r".*/sessions/\d+/log$"), lambda route: route.abort("connectionreset")
    )  # the tap is lost
    row.get_by_role("button", name=re.compile(r"^Done: ")).click()
    expect(row.locator(".error-text")).to_have_text("Not saved: tap again.")
    expect(row.locator(".log-status")).to_contain_text("Not done yet")  # put back as it was
    expect(page.locator("#log-announce")).to_have_text("Not saved: check your connection and tap again.")
    assert _logged(app, acct, plan["id"]) == {}
