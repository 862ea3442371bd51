"""Seeding through the app's own HTTP faces (JSON API, or the page forms as a browser would post them), and
small browser helpers. Only what a test is about gets clicked."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page

from tests.factories import PASSWORD, PERSONAL_FORM, QUESTIONS_FORM, form_body, generate_body
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe-4.14.1.min.js"
SESSION_COOKIE = "trainplan_session"
_numbers = itertools.count(1)

QUESTIONS, PERSONAL = QUESTIONS_FORM, PERSONAL_FORM  # the onboarding forms as a person fills them


@dataclass
class App:
    url: str
    fake: FakeOpenAI
    log_path: Path

    def client(self, acct: Account | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {acct.token}"} if acct else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Account:
    email: str
    token: str
    profile_id: str


def email() -> str:
    return f"e2e-{next(_numbers)}-{uuid.uuid4().hex[:6]}@example.com"


def register(app: App) -> Account:
    """A new account through the JSON API."""
    address = email()
    with app.client() as client:
        r = client.post("/api/v1/auth/register", json={"email": address, "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = client.post("/api/v1/auth/token", json={"email": address, "password": PASSWORD})
        assert r.status_code == 200, r.text
        body = r.json()
    return Account(address, body["access_token"], body["profile_id"])


def login(context: BrowserContext, app: App, acct: Account) -> None:
    """The browser session is our access JWT in the session cookie: set it as the login form would."""
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": acct.token, "url": app.url, "httpOnly": True, "sameSite": "Lax"}]
    )


def seed_draft(
    app: App, acct: Account, *, questions: dict | None = None, personal: dict | None = None
) -> None:
    """Fill the onboarding draft by posting the step forms, as a browser would (session cookie + CSRF)."""
    with httpx.Client(base_url=app.url, cookies={SESSION_COOKIE: acct.token}, timeout=30) as client:
        assert client.get("/onboarding/questions").status_code == 200
        token = client.cookies["csrftoken"]
        for step, fields in (("questions", questions or QUESTIONS), ("personal", personal or PERSONAL)):
            r = client.post(
                f"/onboarding/{step}", data=form_body({**fields, "_csrf_token": token, "go": "next"})
            )
            assert r.status_code == 303, (
                step,
                r.status_code,
                re.findall(r"error-text[^>]*>(.*?)</p>", r.text),
            )


def seed_plan(app: App, acct: Account, *, regenerate: bool = False, weeks: int = 4) -> dict:
    """A finished plan through the JSON API (waits for it)."""
    body = generate_body(
        acct.profile_id,
        answers={"plan_weeks": weeks, "activities": ["strength"], "weekly_running_km": 0, "motivation": 4},
        regenerate=regenerate,
    )
    with app.client(acct) as client:
        r = client.post("/api/v1/plans/generate", json=body, headers={"Prefer": "wait=30"})
        assert r.status_code == 200, r.text
        return r.json()


def generations(app: App, acct: Account) -> list[dict]:
    with app.client(acct) as client:
        r = client.get("/api/v1/generations")
        assert r.status_code == 200, r.text
        return r.json()


def wait_until(predicate, timeout: float = 15, interval: float = 0.1, what: str = "the condition"):
    """The predicate's first truthy value, looked at every `interval` (it reads another process: the app or
    the fake server); an AssertionError if it stays false for `timeout` seconds."""
    ends = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > ends:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


def screenshot(page: Page, name: str) -> None:
    """docs/screenshots/<name>-<width>.png, the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True, animations="disabled")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical axe-core findings on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
