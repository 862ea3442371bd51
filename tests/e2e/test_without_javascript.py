"""The core path without JavaScript: forms post; the progress page reloads itself until the plan is ready."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.helpers import App, email

pytestmark = pytest.mark.e2e


@pytest.fixture
def no_js(browser: Browser, app: App) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=app.url, viewport=DESKTOP, java_script_enabled=False)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def test_core_path_without_javascript(no_js: BrowserContext, app: App) -> None:
    app.fake.script({"name": "hang", "seconds": 2, "match": "outline"})
    page = no_js.new_page()
    page.goto("/signup")
    page.get_by_label("Email").fill(email())
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile("/onboarding/questions$"))

    page.get_by_label("How many weeks should your plan cover?").fill("30")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#f-plan_weeks-error")).to_contain_text("Enter a number from 4 to 16")  # on submit
    page.get_by_label("How many weeks should your plan cover?").fill("4")
    page.get_by_label("Strength training").check()
    page.get_by_label("How far do you run in a typical week right now?", exact=True).fill("0")
    page.get_by_role("radiogroup", name=re.compile("How motivated")).get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile("/onboarding/personal$"))
    page.get_by_label("Age").fill("52")
    page.get_by_label("Other", exact=True).check()
    page.get_by_label("Height", exact=True).fill("175")
    page.get_by_label("Weight", exact=True).fill("82")
    page.get_by_label(re.compile("Beginner:")).check()
    page.get_by_label("General fitness").check()
    page.get_by_label("Training sessions per week").fill("2")
    page.get_by_label("Tue", exact=True).check()
    page.get_by_label("Sat", exact=True).check()
    page.get_by_label("Minutes per session").fill("30")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile("/onboarding/review$"))
    page.get_by_role("button", name="Generate my plan").click()
    expect(page).to_have_url(re.compile(r"/generate/[0-9a-f-]{36}$"))
    expect(page.locator("#gen-status")).to_contain_text(re.compile("Reading|Waiting|Planning|week"))
    # The page reloads itself (a <noscript> refresh) until the plan is there.
    expect(page.get_by_role("heading", name="Your plan is ready")).to_be_visible(timeout=25_000)
    page.get_by_role("link", name="See your plan").click()
    expect(page).to_have_url(re.compile("/plan$"))
    expect(page.locator("details.week")).to_have_count(4)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile("/login"))
