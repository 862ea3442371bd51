"""What people type and what the LLM writes is shown as text: never markup, never htmx, never a template."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import PERSONAL, QUESTIONS, App, login, register, seed_draft
from tests.fakes.openai_server import INJECTION

pytestmark = pytest.mark.e2e

ATTACK = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    '<b hx-get="/logout" hx-trigger="load">x</b> {{7*7}}'
)


def test_free_text_and_llm_output_render_inert(page: Page, context: BrowserContext, app: App) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    acct = register(app)
    seed_draft(
        app, acct, questions={**QUESTIONS, "goal_details": ATTACK}, personal={**PERSONAL, "notes": ATTACK}
    )
    login(context, app, acct)
    # The coach echoes markup, htmx attributes and template syntax in its titles and notes.
    app.fake.script(
        {"name": "prompt_injection_echo", "match": "outline"},
        {"name": "prompt_injection_echo", "match": "week", "times": 4},
    )

    page.goto("/onboarding/review")
    review = page.locator("#review")
    expect(review).to_contain_text("<script>alert(1)</script>")
    expect(review).to_contain_text("{{7*7}}")
    page.goto("/onboarding/personal")
    expect(page.locator("#f-notes")).to_have_value(ATTACK)

    page.goto("/onboarding/review")
    page.get_by_role("button", name="Generate my plan").click()
    expect(page.locator(".week-preview.ready").first).to_contain_text(
        "<script>alert(1)</script>", timeout=15_000
    )
    expect(page.locator("#gen-result .result-success")).to_be_visible(timeout=20_000)
    page.goto("/plan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("article.plan")).to_contain_text("{{ 7*7 }}")

    for path in ("/plan", "/history", "/onboarding/review"):
        page.goto(path)
        # No element came out of the text: no script, no image, no htmx attribute.
        assert (
            page.locator("main script, main img, main b, main [hx-trigger=load], main [hx-get]").count() == 0
        )
    assert dialogs == []
    assert not [u for u in requests if u.endswith("/logout") or u.endswith("/x")]
    assert INJECTION.startswith("<script>alert(1)</script>")  # what the fake wrote into the plan
    page.goto("/history")
    expect(page).to_have_url(re.compile("/history$"))  # still logged in: the hx-get="/logout" never ran


def test_the_api_docs_page_renders_offline_under_the_csp(page: Page, app: App) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(app.url) else None)
    page.goto("/api/schema")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("trainplan API", timeout=15_000)
    expect(page.locator(".opblock").first).to_be_visible()
    assert blocked == [] and outside == []
