"""Static assets: fingerprinted names with a year-long cache, and no way out of static/. Every page has a
meta description."""

from __future__ import annotations

import re

from web.pages.assets import IMMUTABLE, asset


async def test_pages_link_fingerprinted_assets_served_immutable(client):
    page = await client.get("/login", headers={"accept": "text/html"})
    links = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text)
    assert {"/assets/css/app.", "/assets/js/app."} <= {
        re.sub(r"[0-9a-f]{12}\.\w+$", "", link) for link in links
    }
    for link in links:
        response = await client.get(link)
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == IMMUTABLE
    assert (await client.get(asset("css/app.css"))).headers["content-type"].startswith("text/css")


async def test_a_wrong_hash_or_a_path_out_of_static_is_not_found(client):
    good = asset("js/app.js")
    assert (await client.get(good.replace(good.rsplit(".", 2)[1], "0" * 12))).status_code == 404
    for bad in (
        "/assets/../web/settings.000000000000.py",
        "/assets/%2e%2e/pyproject.000000000000.toml",
        "/assets/js/app.js",
    ):
        assert (await client.get(bad)).status_code == 404, bad


async def test_every_page_has_a_meta_description(client):
    page = await client.get("/login", headers={"accept": "text/html"})
    assert re.search(r'<meta name="description" content="[^"]{40,}">', page.text)
