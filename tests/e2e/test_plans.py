"""History of attempts and plan versions, and rollback with "Make active"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.helpers import App, login, register, screenshot, seed_plan
from tests.e2e.test_journey import shots
from tests.factories import generate_body

pytestmark = pytest.mark.e2e


def test_history_lists_attempts_and_versions_and_rolls_back(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = register(app)
    first = seed_plan(app, acct)["plan"]
    second = seed_plan(app, acct, regenerate=True, weeks=5)["plan"]
    app.fake.script({"name": "refusal", "match": "outline"})
    with app.client(acct) as client:  # a failed attempt, for the list
        r = client.post(
            "/api/v1/plans/generate",
            headers={"Prefer": "wait=20"},
            json=generate_body(acct.profile_id, regenerate=True),
        )
        assert r.json()["status"] == "failed", r.text
    login(context, app, acct)

    page.goto("/history")
    versions = page.locator("section", has=page.get_by_role("heading", name="Plan versions"))
    rows = versions.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Active")  # newest first: version 2 is in use
    expect(rows.nth(0)).to_contain_text("5 weeks")
    attempts = page.locator("section", has=page.get_by_role("heading", name="Generation attempts"))
    expect(attempts.locator("tbody tr")).to_have_count(3)
    expect(attempts.locator("tbody tr").first).to_contain_text("Failed")
    expect(attempts.locator("tbody tr").first).to_contain_text("could not write a plan from these answers")
    shots(page, "history")

    page.get_by_role("button", name="Make active (version 1)").click()
    notice = page.get_by_role("status").filter(has_text="Version 1 is now your active plan")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    expect(rows.nth(1)).to_contain_text("Active")
    expect(page.get_by_role("button", name="Make active (version 2)")).to_be_visible()

    page.goto("/plan")
    expect(page.get_by_text("Your active plan")).to_be_visible()
    expect(page.locator(".meta")).to_contain_text("4 weeks")
    with app.client(acct) as client:
        assert client.get("/api/v1/plans/current").json()["id"] == first["id"]

    # A version's own page offers to switch to it; the plan page then shows it.
    page.goto(f"/plans/{second['id']}")
    expect(page.get_by_text(re.compile("Plan version 2 · not active"))).to_be_visible()
    page.get_by_role("button", name="Make this my active plan").click()
    expect(page).to_have_url(re.compile(r"/plan\?activated="))
    expect(page.get_by_role("status")).to_contain_text("This version is now your active plan.")
    expect(page.locator(".meta")).to_contain_text("5 weeks")


def test_deload_weeks_are_marked(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    plan = seed_plan(app, acct, weeks=8)["plan"]
    deloads = [w["number"] for w in plan["content"]["weeks"] if w["is_deload"]]
    assert deloads, "an 8-week plan has a deload week"
    login(context, app, acct)
    page.goto("/plan")
    for number in deloads:
        week = page.locator(f"#week-{number}")
        expect(week.locator("summary")).to_contain_text("Deload week")
        week.locator("summary").click()
        expect(week).to_contain_text("A lighter week on purpose")
    expect(page.locator("details.week.is-deload")).to_have_count(len(deloads))


def test_answers_sent_through_the_api_are_the_starting_point(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = register(app)
    seed_plan(app, acct)  # made by the mobile app, say: the web pages have no draft yet
    login(context, app, acct)
    page.goto("/onboarding")
    expect(page).to_have_url(re.compile("/onboarding/review$"))
    expect(page.locator("#review")).to_contain_text("168 cm")
    expect(page.locator("#review")).to_contain_text("4 weeks")
    page.get_by_role("button", name="Make a new plan").click()
    expect(page.locator("#gen-result .result-success")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="See your plan").click()
    expect(page.locator(".meta")).to_contain_text("2")  # version 2 is now the active plan
    with app.client(acct) as client:
        assert [p["version"] for p in client.get("/api/v1/plans/").json()] == [2, 1]


def test_the_plan_says_why_and_shows_its_weekly_load(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    seed_plan(app, acct, weeks=8)
    login(context, app, acct)
    page.goto("/plan")
    why = page.get_by_role("region", name="Why this plan")
    expect(why).to_be_visible()
    expect(why.get_by_role("heading", name="Your constraints")).to_be_visible()
    expect(why).to_contain_text("Trains on")
    chart = why.get_by_role("img", name=re.compile("Weekly load"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(8)
    screenshot(page, "plan-why")


def test_history_says_what_changed_and_when_in_the_readers_time_zone(browser: Browser, app: App) -> None:
    acct = register(app)
    seed_plan(app, acct)
    seed_plan(app, acct, regenerate=True, weeks=5)
    context = browser.new_context(base_url=app.url, timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        login(context, app, acct)
        page = context.new_page()
        page.goto("/history")
        versions = page.locator("section", has=page.get_by_role("heading", name="Plan versions")).locator(
            "tbody tr"
        )
        expect(versions.nth(0)).to_contain_text("5 weeks (was 4)")
        expect(versions.nth(1)).to_contain_text("The first plan.")
        expect(versions.nth(0)).to_contain_text("from the attempt of")
        created = versions.nth(0).locator("td[data-label='Created'] time")
        expect(created).to_contain_text("GMT+9")  # Tokyo time, not UTC
        attempts = page.locator("section", has=page.get_by_role("heading", name="Generation attempts"))
        expect(attempts.locator("tbody tr").first).to_contain_text("Made version 2")
    finally:
        context.close()
