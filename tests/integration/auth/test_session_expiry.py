"""A session that ends in the middle of onboarding: the person is told why, comes back to the same step
after logging in, and the answers saved before are all there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.factories import PASSWORD, QUESTIONS_FORM, account, form_body
from web import clock


async def test_an_expired_session_says_so_and_returns_to_the_same_step_with_the_draft(server):
    async with server.client() as client:
        acct = await account(client)
    async with httpx.AsyncClient(base_url=server.url, cookies={"trainplan_session": acct.token}) as page:
        await page.get("/onboarding/questions")
        csrf = page.cookies["csrftoken"]
        r = await page.post(
            "/onboarding/questions", data=form_body({**QUESTIONS_FORM, "_csrf_token": csrf, "go": "next"})
        )
        assert r.status_code == 303 and r.headers["location"] == "/onboarding/personal"

    clock.advance(-2 * 3600)  # a token issued two hours ago, with the default one-hour life: expired now
    try:
        expired = server.services.tokens.issue_access(str(acct.user_id))
    finally:
        clock.reset()
    cookies = {"trainplan_session": expired, "csrftoken": csrf}
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as page:
        r = await page.get("/onboarding/personal")
        assert r.status_code == 303
        target = urlsplit(r.headers["location"])
        assert target.path == "/login"
        assert parse_qs(target.query) == {"next": ["/onboarding/personal"], "expired": ["1"]}
        assert 'trainplan_session=""' in r.headers["set-cookie"]  # the dead cookie is dropped
        # A form sent with the dead session: the login page says the change was not kept.
        r = await page.post(
            "/onboarding/personal",
            data={"_csrf_token": csrf, "age": "40"},
            headers={"referer": f"{server.url}/onboarding/personal"},
        )
        assert r.status_code == 303
        assert parse_qs(urlsplit(r.headers["location"]).query)["expired"] == ["lost"]
        login = await page.get(r.headers["location"])
        text = " ".join(login.text.split())
        assert "Your session ended, so you were signed out." in text
        assert "The change you were sending was not saved." in text
        assert "at the same step: the answers you gave before are kept" in text

    async with httpx.AsyncClient(base_url=server.url) as page:
        await page.get("/login")
        csrf = page.cookies["csrftoken"]
        r = await page.post(
            "/login?next=/onboarding/personal",
            data={
                "email": acct.email,
                "password": PASSWORD,
                "_csrf_token": csrf,
                "next": "/onboarding/personal",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/onboarding/personal"
        back = await page.get("/onboarding/questions")
        assert back.status_code == 200 and QUESTIONS_FORM["goal_details"] in back.text  # the draft is intact
