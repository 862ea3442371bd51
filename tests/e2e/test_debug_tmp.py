import re, time
import pytest
from playwright.sync_api import expect
from tests.e2e.test_generation import ready_account, start
from tests.e2e.helpers import generations
pytestmark = pytest.mark.e2e

@pytest.mark.parametrize("i", range(8))
def test_dbg(page, context, app, i):
    acct = ready_account(context, app)
    log = []
    page.on("console", lambda m: log.append(("console", m.type, m.text)))
    page.on("response", lambda r: log.append(("resp", r.url, r.status)) if "events" in r.url else None)
    page.on("requestfailed", lambda r: log.append(("failed", r.url, r.failure)))
    app.fake.script({"name": "hang", "seconds": 5, "match": "outline"})
    t0 = time.monotonic()
    job = start(page)
    try:
        expect(page.locator("#gen-status")).to_contain_text("Reading your answers", timeout=4000)
    except AssertionError:
        print("JOB", generations(app, acct))
        print("\n".join(map(str, log)))
        print(page.content()[:200])
        with app.client(acct) as c:
            r = c.get(f"/api/v1/generations/{job}")
            print(r.json()["stage_text"], time.monotonic() - t0)
        raise
