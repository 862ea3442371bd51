"""Generating in the browser: failures and trying again, cancel, one job per click, reload and coming back,
offline, and a stream that goes quiet."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.helpers import Account, App, generations, login, register, screenshot, seed_draft, wait_until
from tests.e2e.test_journey import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

JOB_URL = re.compile(r"/generate/([0-9a-f-]{36})$")
SLOW_WEEKS = ({"name": "ok", "match": "week"}, {"name": "hang", "seconds": 3, "match": "week", "times": 3})


def ready_account(context: BrowserContext, app: App) -> Account:
    acct = register(app)
    seed_draft(app, acct)
    login(context, app, acct)
    return acct


def start(page: Page) -> str:
    """From the review step, press Generate; the id of the job whose page opens."""
    page.goto("/onboarding/review")
    page.get_by_role("button", name="Generate my plan").click()
    expect(page).to_have_url(JOB_URL)
    return JOB_URL.search(page.url).group(1)


def done(page: Page) -> None:
    expect(page.locator("#gen-result .result-success")).to_be_visible(timeout=25_000)


def test_llm_failure_shows_the_message_then_try_again_succeeds(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = ready_account(context, app)
    app.fake.script({"name": "refusal", "match": "outline"})
    first = start(page)

    panel = page.locator("#gen-result .result-error")
    expect(panel).to_be_visible(timeout=15_000)
    expect(panel).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't make your plan")
    expect(panel).to_contain_text("The AI coach could not write a plan from these answers.")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    screenshot(page, "progress-failed")
    page.set_viewport_size(PHONE)
    screenshot(page, "progress-failed")
    page.set_viewport_size(DESKTOP)

    # Go back: the review step, every answer kept.
    panel.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(re.compile("/onboarding/review$"))
    expect(page.locator("#review")).to_contain_text("Carry my kids up the hill")
    page.go_back()

    # Try again: a new attempt, which succeeds.
    page.locator("#gen-result").get_by_role("button", name="Try again").click()
    expect(page).to_have_url(JOB_URL)
    second = JOB_URL.search(page.url).group(1)
    assert second != first
    done(page)
    statuses = {g["id"]: (g["status"], (g["error"] or {}).get("code")) for g in generations(app, acct)}
    assert statuses == {first: ("failed", "llm_refused"), second: ("succeeded", None)}


def test_a_failure_arrives_live_with_its_message(page: Page, context: BrowserContext, app: App) -> None:
    ready_account(context, app)
    # The outline takes a moment (the page is streaming by then); every week breaks the training rules, and so
    # does the one repair: the job fails as plan_invalid while the page watches.
    app.fake.script(
        {"name": "hang", "seconds": 1.5, "match": "outline"},
        {"name": "invalid_plan", "match": "week", "times": 8},
        {"name": "invalid_plan", "match": "repair", "times": 8},
    )
    start(page)
    assert page.locator("[sse-connect]").count() == 1  # the page opened before the end: the stream tells it
    panel = page.locator("#gen-result .result-error")
    expect(panel).to_contain_text("We could not produce a plan that passes our safety checks", timeout=15_000)
    expect(panel).to_be_focused()
    expect(panel.get_by_role("button", name="Try again")).to_be_visible()
    expect(panel.get_by_role("link", name="Go back")).to_be_visible()
    expect(page.get_by_role("progressbar")).not_to_have_attribute("aria-valuenow", "100")


def test_cancel_stops_the_job(page: Page, context: BrowserContext, app: App) -> None:
    acct = ready_account(context, app)
    app.fake.script({"name": "hang", "seconds": 30, "match": "outline"})
    job_id = start(page)
    expect(page.locator("#gen-status")).to_contain_text("Planning your")  # said before the outline call
    wait_until(lambda: app.fake.calls_for("outline"), what="the outline call")
    page.get_by_role("button", name="Cancel").click()

    panel = page.locator("#gen-result .result-neutral")  # a choice the person made, not an error
    expect(page.get_by_role("heading", level=1)).to_have_text("You cancelled this plan", timeout=10_000)
    expect(panel).to_contain_text("Nothing was made, and your answers are kept.")
    expect(panel).to_be_focused()
    expect(page.locator("#gen-result .result-error")).to_have_count(0)
    buttons = panel.locator("a.button, button")
    expect(buttons.first).to_have_text("Back to your answers")  # the way on first, not "Try again"
    assert generations(app, acct)[0]["status"] == "cancelled"
    # The coach's request was dropped, not left running.
    wait_until(
        lambda: any(c["client_disconnected"] for c in app.fake.calls_for("outline")),
        timeout=5,
        what="the fake seeing the outline call dropped",
    )
    # Coming back shows the result, not a stream.
    page.goto(f"/generate/{job_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cancelled this plan")
    expect(page.locator("[sse-connect]")).to_have_count(0)


def test_double_click_and_second_tab_make_one_job(page: Page, context: BrowserContext, app: App) -> None:
    acct = ready_account(context, app)
    app.fake.script({"name": "hang", "seconds": 4, "match": "outline"})
    page.goto("/onboarding/review")
    page.get_by_role("button", name="Generate my plan").dblclick()
    expect(page).to_have_url(JOB_URL)
    job_id = JOB_URL.search(page.url).group(1)

    other = context.new_page()
    other.goto("/onboarding/review")
    other.get_by_role("button", name="Generate my plan").click()
    expect(other).to_have_url(re.compile(f"/generate/{job_id}$"))
    other.close()

    jobs = generations(app, acct)
    assert [j["id"] for j in jobs] == [job_id]
    done(page)
    assert len(generations(app, acct)) == 1
    assert len(app.fake.calls_for("outline")) == 1


def test_reload_and_return_follow_the_same_job(page: Page, context: BrowserContext, app: App) -> None:
    acct = ready_account(context, app)
    app.fake.script(
        {"name": "ok", "match": "week"}, {"name": "hang", "seconds": 4, "match": "week", "times": 3}
    )
    job_id = start(page)
    expect(page.locator(".week-preview.ready")).to_have_count(1, timeout=10_000)

    page.reload()
    expect(page).to_have_url(re.compile(f"/generate/{job_id}$"))
    expect(page.locator(".week-preview.ready")).to_have_count(1)  # rendered by the server, not replayed twice
    expect(page.locator("#gen-status")).to_contain_text(re.compile("Week|week"))

    # Close the tab: the job carries on; coming back shows it live.
    page.close()
    again = context.new_page()
    again.goto("/generate")
    expect(again).to_have_url(re.compile(f"/generate/{job_id}$"))
    again.goto("/")
    expect(again).to_have_url(re.compile(f"/generate/{job_id}$"))
    expect(again.locator("#gen-result .result-success")).to_be_visible(timeout=25_000)
    expect(again.locator(".week-preview")).to_have_count(4)
    expect(again.locator(".week-preview.ready")).to_have_count(4)
    assert [j["id"] for j in generations(app, acct)] == [job_id]


def test_offline_during_generation_resumes(page: Page, context: BrowserContext, app: App) -> None:
    ready_account(context, app)
    app.fake.script(*SLOW_WEEKS)
    start(page)
    expect(page.locator(".week-preview.ready")).to_have_count(1, timeout=10_000)

    context.set_offline(True)
    banner = page.locator("#connection-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You're offline")
    page.wait_for_timeout(3500)  # the job goes on meanwhile
    context.set_offline(False)

    expect(banner).to_be_hidden()
    done(page)
    expect(page.locator(".week-preview.ready")).to_have_count(4)
    expect(page.locator(".week-preview")).to_have_count(4)


def test_generate_pressed_offline_is_sent_when_back_online(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = ready_account(context, app)
    page.goto("/onboarding/review")
    context.set_offline(True)
    page.get_by_role("button", name="Generate my plan").click()
    expect(page.locator("#connection-banner")).to_be_visible()
    assert generations(app, acct) == []
    context.set_offline(False)
    expect(page).to_have_url(JOB_URL)
    done(page)
    assert len(generations(app, acct)) == 1


def test_a_quiet_stream_offers_to_keep_waiting_or_come_back(
    page: Page, context: BrowserContext, app: App
) -> None:
    acct = ready_account(context, app)
    app.fake.script({"name": "hang", "seconds": 30, "match": "outline"})
    page.clock.install()
    job_id = start(page)
    expect(page.locator("#gen-status")).to_contain_text("Planning your")
    notice = page.locator("#stall-notice")
    expect(notice).to_be_hidden()

    page.clock.fast_forward(21_000)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("taking longer than usual")
    expect(page.locator(".notify-line")).to_be_hidden()  # the notice carries the choices on its own
    notice.get_by_role("button", name="keep waiting").click()
    expect(notice).to_be_hidden()
    page.clock.fast_forward(21_000)
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="come back later").click()
    expect(page).to_have_url(re.compile("/history$"))
    expect(page.locator("#history")).to_contain_text("In progress")
    with app.client(acct) as client:  # free the runner slot
        client.post(f"/api/v1/generations/{job_id}/cancel")


# The browser's Notification API, recorded: the test cannot look at the desktop, and a headless page is
# never "hidden" on its own.
NOTIFICATION_SPY = """
window.__notices = [];
Object.defineProperty(document, "hidden", { get: function () { return window.__pretendHidden === true; } });
function SpyNotification(title, options) { window.__notices.push(options.body); }
SpyNotification.permission = "default";
SpyNotification.requestPermission = function () {
  SpyNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = SpyNotification;
"""


def test_tell_me_when_ready_notifies_a_background_tab(page: Page, context: BrowserContext, app: App) -> None:
    ready_account(context, app)
    page.add_init_script(NOTIFICATION_SPY)
    app.fake.script(*SLOW_WEEKS)
    start(page)
    button = page.get_by_role("button", name="Tell me when it's ready")
    expect(button).to_be_visible()
    button.click()
    expect(page.get_by_text("We'll tell you when it's ready.")).to_be_visible()
    page.evaluate("window.__pretendHidden = true")
    done(page)
    assert page.evaluate("window.__notices") == ["Your training plan is ready."]


def test_a_finished_plan_opens_by_itself_unless_the_person_is_busy(
    page: Page, context: BrowserContext, app: App
) -> None:
    ready_account(context, app)
    page.clock.install()  # the page's timers run on a clock this test moves
    start(page)
    expect(page.get_by_role("link", name="See your plan")).to_be_focused(timeout=25_000)
    expect(page.locator("[data-auto-go-note]")).to_be_visible()
    page.clock.pause_at(page.evaluate("Date.now()") / 1000)  # seconds, in the Python API
    page.keyboard.press("Shift")  # the person is doing something: stay
    page.clock.run_for(10_000)
    expect(page).to_have_url(JOB_URL)
    expect(page.locator("[data-auto-go-note]")).to_be_hidden()

    page.reload()  # the result again, untouched this time
    expect(page.get_by_role("link", name="See your plan")).to_be_focused(timeout=10_000)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000)  # seconds, in the Python API
    page.clock.run_for(5_000)
    expect(page).to_have_url(re.compile("/plan$"))
    page.clock.resume()  # the browser context outlives this test: leave its timers running
