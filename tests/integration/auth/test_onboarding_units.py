"""Heights in feet and inches on the personal step: 5'6" is 66 inches, not 56; a height that is not one
is refused in words, and nothing else typed is lost."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.factories import PERSONAL_FORM, QUESTIONS_FORM, account, form_body
from web.tables import GenerationJob


async def _through_questions(server, acct) -> tuple[httpx.AsyncClient, str]:
    page = httpx.AsyncClient(base_url=server.url, cookies={"trainplan_session": acct.token})
    await page.get("/onboarding/questions")
    csrf = page.cookies["csrftoken"]
    r = await page.post(
        "/onboarding/questions", data=form_body({**QUESTIONS_FORM, "_csrf_token": csrf, "go": "next"})
    )
    assert r.status_code == 303
    return page, csrf


@pytest.mark.parametrize(
    ("typed", "inches"),
    [
        ("5'6\"", 66),
        ("5'6", 66),
        ("5 ft 6 in", 66),
        ("5ft6", 66),
        ("6'", 72),
        ("5\u2019 11\u201d", 71),
        ("66", 66),
    ],
)
async def test_feet_and_inches_become_total_inches(server, typed, inches):
    async with server.client() as client:
        acct = await account(client)
    page, csrf = await _through_questions(server, acct)
    try:
        personal = {**PERSONAL_FORM, "height": typed, "height_unit": "in", "_csrf_token": csrf, "go": "next"}
        r = await page.post("/onboarding/personal", data=form_body(personal))
        assert r.status_code == 303 and r.headers["location"] == "/onboarding/review", r.text
        review = await page.get("/onboarding/review")
        shown = html.unescape(review.text)  # the review says the height as it was typed
        assert (typed if "'" in typed or "ft" in typed or "\u2019" in typed else f"{inches} in") in shown
        r = await page.post("/generate", data={"_csrf_token": csrf, "idempotency_key": acct.email})
        assert r.status_code == 303
    finally:
        await page.aclose()
    async with server.client() as client:
        jobs = (await client.get("/api/v1/generations", headers=acct.headers)).json()
        assert jobs, "the plan was started"
        profile = (await client.get("/api/v1/profile", headers=acct.headers)).json()
    assert profile["personal_info"]["height"] == {"value": inches, "unit": "in"}


async def test_a_height_that_is_not_one_is_refused_in_words_and_the_rest_is_kept(server):
    """5'13" is not a height (inches past 11): refused in words, not read as 73 in."""
    async with server.client() as client:
        acct = await account(client)
    page, csrf = await _through_questions(server, acct)
    try:
        personal = {
            **PERSONAL_FORM,
            "height": "5'13\"",
            "height_unit": "in",
            "_csrf_token": csrf,
            "go": "next",
        }
        r = await page.post("/onboarding/personal", data=form_body(personal))
        assert r.status_code == 422
        error = re.search(r'id="f-height-error"[^>]*>(.*?)</p>', r.text, re.S)
        assert error and "Input should" not in error.group(1), r.text[:500]
        assert (
            'value="5&#39;13&#34;"' in r.text and 'value="34"' in r.text
        )  # what was typed stays in the form
    finally:
        await page.aclose()


async def test_weekly_running_distance_in_miles_is_sent_in_kilometres(server):
    async with server.client() as client:
        acct = await account(client)
    page = httpx.AsyncClient(base_url=server.url, cookies={"trainplan_session": acct.token})
    try:
        await page.get("/onboarding/questions")
        csrf = page.cookies["csrftoken"]
        too_far = {**QUESTIONS_FORM, "weekly_running_km": "150", "weekly_running_km_unit": "mi"}
        r = await page.post(
            "/onboarding/questions", data=form_body({**too_far, "_csrf_token": csrf, "go": "next"})
        )
        assert r.status_code == 422  # 150 miles is 241 km: past the question's 200 km, said in miles
        assert "Enter a distance from 0 to 124 miles." in html.unescape(r.text)
        assert '<option value="mi" selected>' in r.text  # the unit chosen is kept
        questions = {**QUESTIONS_FORM, "weekly_running_km": "10", "weekly_running_km_unit": "mi"}
        r = await page.post(
            "/onboarding/questions", data=form_body({**questions, "_csrf_token": csrf, "go": "next"})
        )
        assert r.status_code == 303, r.text
        r = await page.post(
            "/onboarding/personal", data=form_body({**PERSONAL_FORM, "_csrf_token": csrf, "go": "next"})
        )
        assert r.status_code == 303
        assert "10 mi" in (await page.get("/onboarding/review")).text
        r = await page.post("/generate", data={"_csrf_token": csrf, "idempotency_key": acct.email})
        assert r.status_code == 303
    finally:
        await page.aclose()
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = await GenerationJob.objects().where(GenerationJob.id == job_id).output(load_json=True).first()
    assert job.brief["current_weekly_running_km"] == 16.1
