"""axe-core on every page (and its error and live states): no serious or critical violations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.helpers import App, axe_violations, login, register, seed_draft, seed_plan

pytestmark = pytest.mark.e2e


@pytest.fixture
def axe_context(browser: Browser, app: App) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's CSP (script-src 'self') rightly refuses. Reduced
    # motion: a week fading in must not be measured half transparent.
    ctx = browser.new_context(base_url=app.url, viewport=DESKTOP, bypass_csp=True, reduced_motion="reduce")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def check(page: Page, path: str | None, found: dict) -> None:
    if path is not None:
        page.goto(path)
    found[path or page.url] = axe_violations(page)


def test_no_serious_accessibility_violations(axe_context: BrowserContext, app: App) -> None:
    found: dict[str, list] = {}
    page = axe_context.new_page()
    check(page, "/login", found)
    check(page, "/signup", found)
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-text").first).to_be_visible()
    found["signup with errors"] = axe_violations(page)

    acct = register(app)
    login(axe_context, app, acct)
    check(page, "/onboarding/questions", found)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_visible()
    found["questions with errors"] = axe_violations(page)
    seed_draft(app, acct)
    check(page, "/onboarding/personal", found)
    page.get_by_label("Age").fill("7")
    page.get_by_label("Age").press("Tab")
    expect(page.locator("#f-age-error")).to_be_visible()
    found["personal with an inline error"] = axe_violations(page)
    page.get_by_label("Age").fill("34")
    page.get_by_label("Age").press("Tab")
    expect(page.locator("#f-age-error")).to_have_count(0)
    check(page, "/onboarding/review", found)

    app.fake.script(
        {"name": "ok", "match": "week"}, {"name": "hang", "seconds": 2, "match": "week", "times": 3}
    )
    page.get_by_role("button", name="Generate my plan").click()
    expect(page).to_have_url(re.compile("/generate/"))
    expect(page.locator(".week-preview.ready").first).to_be_visible()
    found["progress"] = axe_violations(page)
    expect(page.locator("#gen-result .result-success")).to_be_visible(timeout=20_000)
    found["progress done"] = axe_violations(page)
    check(page, "/plan", found)
    page.locator("section.this-week .log").first.get_by_role("button", name=re.compile("^Done: ")).click()
    expect(page.locator("section.this-week .log").first.locator(".log-status")).to_contain_text("Done")
    found["plan with a session logged"] = axe_violations(page)
    check(page, "/calendar", found)
    check(page, "/playbook", found)
    check(page, "/plan/change", found)
    page.locator("form.redo-form").get_by_role("checkbox").first.uncheck()
    for box in page.locator("form.redo-form").get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Redo this week").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["change with an error"] = axe_violations(page)
    page.goto("/plan")
    page.locator("a.swap-link").first.click()
    expect(page.get_by_role("button", name="Swap it")).to_be_visible()
    found["swap"] = axe_violations(page)

    app.fake.script({"name": "refusal", "match": "outline"})
    page.goto("/onboarding/review")
    page.get_by_role("button", name="Make a new plan").click()
    expect(page.locator("#gen-result .result-error")).to_be_visible()
    found["progress failed"] = axe_violations(page)

    other = seed_plan(app, acct, regenerate=True)["plan"]
    check(page, "/history", found)
    check(page, f"/plans/{other['id']}", found)
    check(page, "/generate/00000000-0000-4000-8000-000000000000", found)  # the not-found page
    check(page, "/logout", found)

    page.set_viewport_size({"width": 390, "height": 844})
    check(page, "/plan", found)
    check(page, "/history", found)

    bad = {where: v for where, v in found.items() if v}
    assert not bad, bad
