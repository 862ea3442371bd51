"""The onboarding funnel: each step of the walk is recorded (an account id and codes, never answers), and
`python -m web.report funnel --days 7` says how many people reached each step and where they stop."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx

from tests.factories import PASSWORD, PERSONAL_FORM, QUESTIONS_FORM, account, form_body, until
from tests.live import ROOT
from web import clock
from web.analytics import FUNNEL, funnel
from web.tables import AnalyticsEvent


async def _walk(server, acct, *, stop_after: str) -> None:
    """The pages as a person goes through them, stopping after `stop_after`."""
    async with httpx.AsyncClient(base_url=server.url, cookies={"trainplan_session": acct.token}) as page:
        assert (await page.get("/onboarding/questions")).status_code == 200
        token = page.cookies["csrftoken"]
        if stop_after == "questions viewed":
            return
        for step, fields in (("questions", QUESTIONS_FORM), ("personal", PERSONAL_FORM)):
            r = await page.post(
                f"/onboarding/{step}", data=form_body({**fields, "_csrf_token": token, "go": "next"})
            )
            assert r.status_code == 303, r.text
        assert (await page.get("/onboarding/personal")).status_code == 200  # looking back counts once
        assert (await page.get("/onboarding/review")).status_code == 200
        r = await page.post("/generate", data={"_csrf_token": token, "idempotency_key": acct.email})
        assert r.status_code == 303, r.text
        job_id = r.headers["location"].rsplit("/", 1)[1]
        async with httpx.AsyncClient(base_url=server.url, headers=acct.headers) as api:

            async def succeeded() -> bool:  # the offline coach takes a moment
                return (await api.get(f"/api/v1/generations/{job_id}")).json()["status"] == "succeeded"

            await until(succeeded, what="the plan generated")
            plan = (await api.get("/api/v1/plans/current")).json()
            if stop_after == "plan":
                return
            r = await api.put(f"/api/v1/plans/{plan['id']}/weeks/1/sessions/1/log", json={"status": "done"})
            assert r.status_code == 200, r.text


async def test_the_funnel_counts_people_at_each_step_and_says_where_they_stop(server):
    async with server.client() as client:
        clock.advance(-30 * 86400)  # someone who signed up a month ago ...
        try:
            veteran = await account(client)
        finally:
            clock.reset()
        done, planned, stopped = [await account(client) for _ in range(3)]
        r = await client.post("/api/v1/auth/token", json={"email": veteran.email, "password": PASSWORD})
        veteran.token = r.json()["access_token"]  # signing in again today
    await _walk(server, veteran, stop_after="questions viewed")  # ... and is active now: not this cohort
    await _walk(server, done, stop_after="logged")
    await _walk(server, planned, stop_after="plan")
    await _walk(server, stopped, stop_after="questions viewed")

    steps = {step.event: step for step in await funnel(7)}
    assert [event for event, _ in FUNNEL] == list(steps)
    assert steps["signed_up"].people == 3
    assert steps["onboarding_questions_viewed"].people == 3
    assert steps["onboarding_questions_completed"].people == 2
    assert steps["onboarding_questions_completed"].of_previous == 67
    for event in ("onboarding_review_viewed", "generate_pressed", "plan_generation_succeeded", "plan_viewed"):
        assert steps[event].people == 2, event
    assert steps["session_logged"].people == 1 and steps["session_logged"].of_first == 33
    # Nothing a person typed is in an event: only codes and counts.
    rows = await AnalyticsEvent.select(AnalyticsEvent.properties).output(load_json=True)
    text = json.dumps([r["properties"] for r in rows])
    assert "kids" not in text and "@" not in text

    # Outside the window, nobody.
    clock.advance(8 * 86400)
    try:
        assert all(step.people == 0 for step in await funnel(7))
    finally:
        clock.reset()


async def test_the_report_command_prints_the_funnel(server, database):
    async with server.client() as client:
        acct = await account(client)
    await _walk(server, acct, stop_after="questions viewed")
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "web.report", "funnel", "--days", "7"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Onboarding funnel, last 7 days")
    assert any(line.startswith("signed up") and " 1 " in line and "100%" in line for line in lines)
    assert lines[-1] == "Most people stop before: answered the questions (1 of them)."
    bad = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "web.report", "funnel", "--days", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--days must be between 1 and 3650" in bad.stderr
