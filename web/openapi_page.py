"""The API docs page at /api/schema: Swagger UI served from static/ (vendored, pinned) and started by a
script file, so it works offline and under the pages' Content-Security-Policy (no CDN, no inline script)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER = "/static/vendor/swagger-ui-5.35.0"


class LocalSwaggerPlugin(OpenAPIRenderPlugin):
    def __init__(self, path: str = "/") -> None:
        super().__init__(path=path, favicon="", style="")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema["info"]["title"]
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
<script src="{SWAGGER}/swagger-ui-bundle.js" defer></script>
<script src="/static/js/api-docs.js" defer></script>
</head><body><div id="swagger-ui" data-spec-url="/api/schema/openapi.json"></div></body></html>""".encode()
