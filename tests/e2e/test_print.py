"""Printing the plan ("Save as PDF"): every week open, no navigation or buttons, a week a page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import App, login, register, seed_plan

pytestmark = pytest.mark.e2e


def test_print_shows_every_week_without_navigation_one_week_a_page(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = register(app)
    seed_plan(app, acct, weeks=6)
    login(context, app, acct)
    page.goto("/plan")
    weeks = page.locator("details.week")
    expect(weeks).to_have_count(6)
    expect(page.locator("details.week[open]")).to_have_count(1)

    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what the browser sends before printing
    expect(page.locator("details.week[open]")).to_have_count(6)
    page.emulate_media(media="print")
    for hidden in ("header.site-header nav", ".plan-header .actions", "footer.site-footer"):
        expect(page.locator(hidden).first).to_be_hidden()
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('details.week')).map(d => getComputedStyle(d).breakBefore)"
    )
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}, breaks
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 6  # a page (at least) for each week

    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(page.locator("details.week[open]")).to_have_count(1)  # as the person left them
