"""The HTML face (htmx pages): see web/pages/. `page_routes()` is what web/app.py mounts."""

from __future__ import annotations

from web.pages import page_routes

__all__ = ["page_routes"]
