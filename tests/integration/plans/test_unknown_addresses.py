"""A bad address gets a page in a browser and problem details on the API."""

from __future__ import annotations

import re

from tests.factories import account


async def test_unknown_page_is_an_html_404(client):
    r = await client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "problem" not in r.text
    main = r.text.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    words = re.sub(r"<[^>]+>", " ", main)
    assert not re.search(r"\bid\b", words, re.IGNORECASE)  # a person reads "page", not "id"
    assert 'aria-label="Main"' not in r.text  # not signed in: no navigation


async def test_unknown_api_address_is_a_problem(client):
    r = await client.get("/api/v1/nothing-here", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"


async def test_a_signed_in_person_keeps_the_navigation_on_a_missing_page(client):
    acct = await account(client)
    headers = {"Accept": "text/html", "Cookie": f"trainplan_session={acct.token}"}
    for address in ("/no-such-page", "/plans/00000000-0000-0000-0000-000000000000"):
        r = await client.get(address, headers=headers)
        assert r.status_code == 404 and "Page not found" in r.text, address
        assert 'aria-label="Main"' in r.text and "My plan" in r.text, address
