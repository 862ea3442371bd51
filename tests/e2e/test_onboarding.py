"""Onboarding validation (inline and on submit, same rules as the API), nothing lost, resume; sessions,
redirects back after login, logout, CSRF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import App, login, register
from tests.e2e.test_journey import shots
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def error_of(page: Page, key: str):
    return page.locator(f"#f-{key}-error")


def settled(page: Page, key: str) -> None:
    """Wait until the field swapped in by its inline check is live again. htmx wires a swapped-in element
    (its change trigger) when the swap settles, and only then drops the htmx-settling class; a change made
    before that is not sent. Call it after an expectation that proves the swap happened."""
    expect(page.locator(f"#field-{key}")).not_to_have_class(re.compile(r"\bhtmx-(settling|swapping)\b"))


def test_validation_inline_and_on_submit_nothing_lost(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    login(context, app, acct)
    page.goto("/onboarding")
    expect(page).to_have_url(re.compile("/onboarding/questions$"))

    weeks = page.get_by_label("How many weeks should your plan cover?")
    weeks.fill("20")
    weeks.press("Tab")
    expect(error_of(page, "plan_weeks")).to_have_text(re.compile("Enter a number from 4 to 16"))
    weeks = page.locator("#f-plan_weeks")
    expect(weeks).to_have_attribute("aria-invalid", "true")
    expect(weeks).to_have_attribute("aria-describedby", re.compile("f-plan_weeks-error"))
    expect(weeks).to_have_value("20")  # what was typed stays
    expect(page.locator("#f-activities-strength")).to_be_focused()  # the swap did not steal focus
    settled(page, "plan_weeks")

    weeks.fill("6")
    weeks.press("Tab")
    expect(error_of(page, "plan_weeks")).to_have_count(0)
    expect(page.locator("#f-plan_weeks")).not_to_have_attribute("aria-invalid", "true")

    page.get_by_label("How far do you run in a typical week right now?", exact=True).fill("12.5")
    notes = page.get_by_label(re.compile("In your own words"))
    notes.fill("Run a 10 km race in May.")
    notes.press("Tab")
    page.get_by_role("button", name="Continue").click()

    # On submit: every problem, at the top (focused) and at each field; the typed answers are all still there.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("This is required.")
    expect(error_of(page, "activities")).to_have_text(re.compile("This is required"))
    expect(error_of(page, "motivation")).to_have_text(re.compile("This is required"))
    expect(page.locator("#f-plan_weeks")).to_have_value("6")
    expect(page.locator("#f-weekly_running_km")).to_have_value("12.5")
    expect(page.locator("#f-goal_details")).to_have_value("Run a 10 km race in May.")
    shots(page, "onboarding-errors")
    summary.get_by_role("link", name=re.compile("Which kinds of training")).click()
    expect(page).to_have_url(re.compile("#f-activities-strength$"))

    page.get_by_label("Running", exact=True).check()
    expect(error_of(page, "activities")).to_have_count(0)  # fixed inline as soon as it changes
    page.get_by_role("radiogroup", name=re.compile("How motivated")).get_by_label("5", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile("/onboarding/personal$"))

    age = page.get_by_label("Age")
    age.fill("12")
    age.press("Tab")
    expect(error_of(page, "age")).to_have_text(re.compile("Enter a number from 13 to 100"))
    page.get_by_label("Height", exact=True).fill("300")
    page.get_by_label("Height", exact=True).press("Tab")
    expect(error_of(page, "height")).to_have_text(re.compile("between 100 and 250 cm"))
    settled(page, "height")
    page.get_by_label("Height", exact=True).fill("70")
    with page.expect_response(
        lambda r: r.url.endswith("/validate") and "height_unit=in" in (r.request.post_data or "")
    ):
        page.get_by_label("Height unit").select_option("in")  # 70 in is fine: its answer clears the error
    expect(error_of(page, "height")).to_have_count(0)
    age = page.get_by_label("Age")
    age.fill("29")
    page.get_by_label("Weight", exact=True).fill("70")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label(re.compile("Beginner:")).check()
    page.get_by_label("Build endurance").check()
    page.get_by_label("Training sessions per week").fill("4")
    page.get_by_label("Mon", exact=True).check()
    page.get_by_label("Wed", exact=True).check()
    page.get_by_label("Minutes per session").fill("40")
    page.get_by_label(re.compile("Anything else")).fill("Left knee clicks on stairs.")
    page.get_by_role("button", name="Continue").click()

    # The rule across fields (enough days for the sessions) is the API's own message.
    expect(error_of(page, "available_days")).to_have_text(
        re.compile("Choose at least 4 available days for 4 sessions a week")
    )
    expect(page.locator("#f-age")).to_have_value("29")
    expect(page.locator("#f-height")).to_have_value("70")
    expect(page.locator("#f-height_unit")).to_have_value("in")
    expect(page.locator("#f-notes")).to_have_value("Left knee clicks on stairs.")

    # Leave and come back: the same step, with everything typed.
    page.goto("/history")
    page.goto("/onboarding")
    expect(page).to_have_url(re.compile("/onboarding/personal$"))
    expect(page.locator("#f-age")).to_have_value("29")
    expect(page.locator("#f-available_days-mon")).to_be_checked()
    expect(page.locator("#f-notes")).to_have_value("Left knee clicks on stairs.")
    page.get_by_label("Fri", exact=True).check()
    page.get_by_label("Sat", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile("/onboarding/review$"))
    expect(page.locator("#review")).to_contain_text("70 in")
    expect(page.locator("#review")).to_contain_text("Left knee clicks on stairs.")
    expect(page.get_by_role("button", name="Back", exact=True)).to_have_count(0)  # "Change" links instead
    page.get_by_role("link", name=re.compile("Change your training")).click()
    expect(page.locator("#f-weekly_running_km")).to_have_value("12.5")


def test_login_sends_back_and_logout(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    page.goto("/history")
    expect(page).to_have_url(re.compile(r"/login\?next=/history$"))

    page.get_by_label("Email").fill(acct.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile("email or password is not right"))
    expect(page.get_by_label("Email")).to_have_value(acct.email)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile("/history$"))
    cookie = next(c for c in context.cookies() if c["name"] == "trainplan_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["secure"] is False

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile("/login"))
    assert not [c for c in context.cookies() if c["name"] == "trainplan_session"]
    page.goto("/plan")
    expect(page).to_have_url(re.compile(r"/login\?next=/plan$"))


def test_login_never_redirects_off_site(page: Page, app: App) -> None:
    acct = register(app)
    page.goto("/login?next=//evil.example/steal")
    page.get_by_label("Email").fill(acct.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/onboarding/questions$"))


def test_forms_need_the_csrf_token(page: Page, context: BrowserContext, app: App) -> None:
    acct = register(app)
    login(context, app, acct)
    page.goto("/onboarding/questions")
    # The session cookie alone is not enough: a forged form post (no token) is refused, and so is an htmx
    # request without the header.
    forged = page.request.post("/onboarding/questions", form={"plan_weeks": "8", "go": "next"})
    assert forged.status == 403
    assert "expired" in forged.text()
    forged = page.request.post(
        "/onboarding/questions/validate",
        form={"_field": "plan_weeks", "plan_weeks": "8"},
        headers={"HX-Request": "true"},
    )
    assert forged.status == 403
    forged = page.request.post("/logout")
    assert forged.status == 403
    page.goto("/onboarding/questions")
    expect(page).to_have_url(re.compile("/onboarding/questions$"))  # still logged in
    expect(page.locator("#f-plan_weeks")).to_have_value("")  # nothing was saved by the forged post
