"""Every page has a meta description."""

from __future__ import annotations

import re


async def test_every_page_has_a_meta_description(client):
    page = await client.get("/login", headers={"accept": "text/html"})
    assert re.search(r'<meta name="description" content="[^"]{40,}">', page.text)
