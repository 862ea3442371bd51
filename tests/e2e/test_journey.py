"""The whole journey in a browser: sign up, onboarding, generate with live progress, the plan; and the same
path from the keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import App, email, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def shots(page: Page, name: str) -> None:
    """The page at desktop and phone width, for the README."""
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    screenshot(page, name)
    page.set_viewport_size(DESKTOP)


def fill_questions(page: Page) -> None:
    page.get_by_label("How many weeks should your plan cover?").fill("4")
    page.get_by_label("Strength training").check()
    page.get_by_label("Mobility and stretching").check()
    page.get_by_label("How far do you run in a typical week right now?", exact=True).fill("5")
    page.get_by_role("radiogroup", name=re.compile("How motivated")).get_by_label("4", exact=True).check()
    page.get_by_label("Lack of time").check()
    page.get_by_label(re.compile("In your own words")).fill(
        "Carry my kids up the hill without losing my breath."
    )


def fill_personal(page: Page) -> None:
    page.get_by_label("Age").fill("34")
    page.get_by_label("Female").check()
    page.get_by_label("Height", exact=True).fill("66")
    page.get_by_label("Height unit").select_option("in")
    page.get_by_label("Weight", exact=True).fill("140")
    page.get_by_label("Weight unit").select_option("lb")
    page.get_by_label(re.compile("Intermediate:")).check()
    page.get_by_label("Get stronger").check()
    page.get_by_label("Training sessions per week").fill("3")
    for day in ("Mon", "Wed", "Fri", "Sat"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Minutes per session").fill("45")
    page.get_by_label("Dumbbells").check()
    page.get_by_label("Bench", exact=True).check()
    page.get_by_label("Knee").check()


def test_signup_onboarding_generate_live_progress_plan(page: Page, app: App) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    # One week comes back at once, the others take a while: the page must show progress and a finished
    # week before the end.
    app.fake.script(
        {"name": "ok", "match": "week"}, {"name": "hang", "seconds": 2.5, "match": "week", "times": 3}
    )

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    shots(page, "login")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    shots(page, "signup")
    page.get_by_label("Email").fill(email())
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile("/onboarding/questions$"))
    expect(page.get_by_role("heading", name="Your training", level=1)).to_be_visible()
    fill_questions(page)
    shots(page, "onboarding-questions")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile("/onboarding/personal$"))
    fill_personal(page)
    shots(page, "onboarding-personal")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile("/onboarding/review$"))
    review = page.locator("#review")
    expect(review).to_contain_text("66 in")
    expect(review).to_contain_text("140 lb")
    expect(review).to_contain_text("Carry my kids up the hill")
    shots(page, "onboarding-review")
    page.get_by_role("button", name="Generate my plan").click()

    expect(page).to_have_url(re.compile(r"/generate/[0-9a-f-]{36}$"))
    status = page.locator("#gen-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text(re.compile(r"Writing week \d of 4|Week \d of 4 is ready"))
    # A week is shown while the plan is still being written.
    expect(page.locator(".week-preview.ready").first).to_be_visible()
    assert page.locator("#gen-result .result").count() == 0
    bar = page.get_by_role("progressbar", name="Plan progress")
    assert 0 < int(bar.get_attribute("aria-valuenow") or 0) < 100
    shots(page, "progress")

    result = page.locator("#gen-result .result-success")
    expect(result).to_be_visible(timeout=20_000)
    expect(result.get_by_role("link", name="See your plan")).to_be_focused()
    expect(result.get_by_role("status")).to_contain_text("Your plan is ready")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(".week-preview.ready")).to_have_count(4)
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    shots(page, "progress-done")
    page.get_by_role("link", name="See your plan").click()

    expect(page).to_have_url(re.compile("/plan$"))
    expect(page.get_by_text("Your active plan")).to_be_visible()
    expect(page.locator("details.week")).to_have_count(4)
    expect(page.get_by_text("Made by")).to_be_visible()
    expect(page.locator(".meta")).to_contain_text("the AI coach")
    first_week = page.locator("details.week").first
    expect(first_week.locator(".session").first).to_be_visible()
    expect(first_week.locator(".exercises li").first).to_contain_text(re.compile(r"\d+ sets?"))
    expect(first_week.locator(".exercises li").first).to_contain_text("Rest")
    shots(page, "plan")

    # The plan goes into a calendar: a secret address to subscribe to (read without any session, as a
    # calendar app does), and a one-off download.
    page.get_by_role("link", name="Add to calendar").click()
    expect(page).to_have_url(re.compile("/calendar$"))
    feed = page.get_by_label("Your calendar address").input_value()
    assert re.fullmatch(re.escape(app.url) + r"/calendar/[A-Za-z0-9_-]{43}\.ics", feed), feed
    subscribed = httpx.get(feed)
    assert subscribed.status_code == 200 and subscribed.text.count("BEGIN:VEVENT") >= 4
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a copy instead (.ics)").click()
    ics = Path(download.value.path()).read_text()
    assert download.value.suggested_filename == "trainplan-v1.ics"
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") >= 4

    # No loops: home and /generate both land on the plan now.
    page.goto("/generate")
    expect(page).to_have_url(re.compile("/plan$"))
    page.goto("/")
    expect(page).to_have_url(re.compile("/plan$"))
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_main_path(page: Page, app: App) -> None:
    page.goto("/signup")
    _tab_to(page, "#email")
    page.keyboard.type(email())
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/onboarding/questions$"))

    _tab_to(page, "#f-plan_weeks")
    page.keyboard.type("4")
    _tab_to(page, "#f-activities-strength")
    page.keyboard.press("Space")
    _tab_to(page, "#f-weekly_running_km")
    page.keyboard.type("0")
    _tab_to(page, "[name=motivation]")
    page.keyboard.press("ArrowRight")  # a radio group: arrows choose
    page.keyboard.press("ArrowRight")
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/onboarding/personal$"))

    _tab_to(page, "#f-age")
    page.keyboard.type("41")
    _tab_to(page, "[name=sex]")
    page.keyboard.press("ArrowRight")
    _tab_to(page, "#f-height")
    page.keyboard.type("180")
    _tab_to(page, "#f-weight")
    page.keyboard.type("80")
    _tab_to(page, "[name=experience_level]")
    page.keyboard.press("Space")
    _tab_to(page, "[name=goal]")
    page.keyboard.press("Space")
    _tab_to(page, "#f-days_per_week")
    page.keyboard.type("2")
    for day in ("tue", "thu"):
        _tab_to(page, f"#f-available_days-{day}")
        page.keyboard.press("Space")
    _tab_to(page, "#f-minutes_per_session")
    page.keyboard.type("30")
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/onboarding/review$"))

    _tab_to(page, ".generate-form button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/generate/[0-9a-f-]{36}$"))
    # Focus moves to the way on; a key press keeps the person here instead of the automatic move.
    expect(page.get_by_role("link", name="See your plan")).to_be_focused(timeout=20_000)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/plan$"))
    # The weeks open and close from the keyboard.
    _tab_to(page, "details.week:nth-of-type(2) summary")
    page.keyboard.press("Enter")
    expect(page.locator("details.week").nth(1)).to_have_attribute("open", "")
