"""The calendar feed: a secret address calendars subscribe to, read without any session, following the
active plan; a new address stops the old one, stopping stops it, and the secret never reaches the logs."""

from __future__ import annotations

import logging

import httpx

from tests.factories import account, made_plan


async def test_a_feed_follows_the_active_plan_and_can_be_renewed_or_stopped(server, caplog):
    caplog.set_level(logging.INFO)
    async with server.client() as client:
        acct, other = await account(client), await account(client)
        assert (await client.get("/api/v1/calendar")).status_code == 401
        first = await made_plan(client, acct)
        feed = (await client.get("/api/v1/calendar", headers=acct.headers)).json()
        assert feed["url"].startswith(server.url + "/calendar/") and feed["url"].endswith(".ics")
        assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
        again = (await client.get("/api/v1/calendar", headers=acct.headers)).json()
        assert again == feed  # the same address until renewed

        async with httpx.AsyncClient() as calendar_app:  # no cookie, no token: the address is the key
            r = await calendar_app.get(feed["url"])
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
            assert f"trainplan-{first['id']}" in r.text or first["id"] in r.text
            # A new version becomes active: the same address now serves it.
            second = await made_plan(client, acct, regenerate=True)
            r = await calendar_app.get(feed["url"])
            assert second["id"] in r.text and first["id"] not in r.text

            renewed = (await client.post("/api/v1/calendar/new", headers=acct.headers)).json()
            assert renewed["url"] != feed["url"]
            assert (await calendar_app.get(feed["url"])).status_code == 404  # the old address stops
            assert (await calendar_app.get(renewed["url"])).status_code == 200

            assert (await client.delete("/api/v1/calendar", headers=acct.headers)).status_code == 204
            assert (await calendar_app.get(renewed["url"])).status_code == 404
            # Made-up or malformed addresses: 404, never another person's calendar.
            for bad in ("x" * 43 + ".ics", "../plan.ics", "%00.ics", "a.ics", "x" * 43):
                assert (await calendar_app.get(f"{server.url}/calendar/{bad}")).status_code == 404, bad
        # Someone without a plan has a feed address, but nothing to serve yet.
        empty = (await client.get("/api/v1/calendar", headers=other.headers)).json()
        assert (await client.get(empty["url"])).status_code == 404
    logged = " ".join(str(vars(record)) for record in caplog.records)
    for url in (feed["url"], renewed["url"]):
        assert url.rsplit("/", 1)[1].removesuffix(".ics") not in logged
    assert "/calendar/[feed]" in {getattr(record, "path", None) for record in caplog.records}
