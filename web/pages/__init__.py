"""The HTML face: server-rendered pages with htmx, calling the same services as the JSON API."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from web.pages import adapt, auth, generation, onboarding, plans
from web.pages.assets import serve_asset
from web.pages.common import EXCEPTION_HANDLERS, page_user, renewed_cookies


def page_routes() -> list[Router]:
    return [
        Router(
            path="/",
            route_handlers=[
                serve_asset,
                *auth.ROUTES,
                *onboarding.ROUTES,
                *generation.ROUTES,
                *plans.ROUTES,
                *adapt.ROUTES,
            ],
            dependencies={"user": Provide(page_user)},
            exception_handlers=EXCEPTION_HANDLERS,
            middleware=[renewed_cookies],
            include_in_schema=False,
        )
    ]
