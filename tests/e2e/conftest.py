"""The browser suite's set-up: the app in a subprocess (`python -m web`) on a free port with a temp SQLite
database, talking to the fake OpenAI server (in this process, over real HTTP), and a real Chromium.

Run it on its own: `.venv/bin/pytest -m e2e tests/e2e` (sync Playwright cannot share a run with
asyncio tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.helpers import App
from tests.fakes.openai_server import FakeOpenAI
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def app(fake_llm: FakeOpenAI) -> Iterator[App]:
    """One app process for the whole suite; every test makes its own account, so tests stay independent."""
    tmp = Path(tempfile.mkdtemp(prefix="trainplan-e2e-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REDIS_", "LLM_"))},
        "DATABASE_URL": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "APP_ENV": "test",
        "JWT_SECRET": "e2e-secret-that-is-long-enough-for-hs256-0123456789",
        "RATE_LIMIT_AUTH_PER_MINUTE": "10000",
        "RATE_LIMIT_GENERATIONS_PER_HOUR": "1000",
        "RATE_LIMIT_GENERATIONS_PER_DAY": "10000",
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": fake_llm.base_url,
        "OPENAI_TIMEOUT_SECONDS": "20",
        "OPENAI_MAX_RETRIES": "0",
        "LLM_FALLBACK_ENABLED": "false",  # so that scripted LLM failures reach the person
        "LLM_CACHE_TTL_HOURS": "0",  # every test's scripted answers must reach the fake, not a cached one
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "PICCOLO_CONF": "piccolo_conf",
    }
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log_path = tmp / "server.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError("the app exited:\n" + log_path.read_text()[-4000:])
        try:
            if httpx.get(url + "/health/live", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the app did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.1)
    yield App(url=url, fake=fake_llm, log_path=log_path)
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(log_path, ARTIFACTS / "server.log")  # for reading after a failure
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_fake(fake_llm: FakeOpenAI) -> Iterator[None]:
    fake_llm.reset()
    yield
    fake_llm.reset()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, app: App, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=app.url, viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    ctx.set_default_navigation_timeout(15_000)
    yield ctx
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # keep a picture of what went wrong
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(ctx.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
            except Exception as exc:  # a closed or crashed page has nothing to show
                print(f"no failure screenshot of page {i}: {exc}")
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    return page


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
