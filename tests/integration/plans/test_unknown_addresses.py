"""A bad address gets a page in a browser and problem details on the API."""

from __future__ import annotations


async def test_unknown_page_is_an_html_404(client):
    r = await client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "problem" not in r.text


async def test_unknown_api_address_is_a_problem(client):
    r = await client.get("/api/v1/nothing-here", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"
