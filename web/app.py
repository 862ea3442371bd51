"""The application: create_app(settings) -> Litestar. `web.app:app` is the ASGI entry point."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from web import db
from web.auth.api import AuthController
from web.auth.guards import api_router
from web.errors import AppError, app_error_handler, http_exception_handler_with, internal_error_handler
from web.generation.adapt_api import PlanChangeController
from web.generation.api import GenerationController
from web.health import live, metrics, ready
from web.middleware import RequestContextMiddleware
from web.observability import configure_logging, process_exited
from web.onboarding.api import list_questions
from web.openapi_contract import ContractJsonPlugin
from web.openapi_page import LocalSwaggerPlugin
from web.plans.api import CalendarFeedController, PlanController, calendar_feed
from web.playbook.api import delete_playbook_entry, get_playbook
from web.push.api import PushController
from web.services import build_services, start, stop
from web.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("web")


def create_app(settings: Settings | None = None, *, with_runner: bool | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(
        settings, with_runner=settings.run_worker if with_runner is None else with_runner
    )

    from web.pages import page_routes  # the HTML face
    from web.pages.common import http_error_handler
    from web.pages.filters import configure_templates

    app = Litestar(
        route_handlers=[
            api_router(
                AuthController,
                GenerationController,
                PlanController,
                PlanChangeController,
                CalendarFeedController,
                PushController,
                list_questions,
                get_playbook,
                delete_playbook_entry,
            ),
            calendar_feed,
            live,
            ready,
            metrics,
            *page_routes(),
            create_static_files_router(
                path="/static", directories=[ROOT / "static"], include_in_schema=False, cache_control=None
            ),
        ],
        lifespan=[_lifespan(services)],
        middleware=[_HTTP_METRICS.middleware],
        exception_handlers={
            AppError: app_error_handler,
            HTTPException: http_exception_handler_with(page_not_found=http_error_handler),
            Exception: internal_error_handler,
        },
        template_config=TemplateConfig(
            directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=configure_templates
        ),
        csrf_config=_csrf(settings),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=_openapi(),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, exclude=r"/events$"),
        logging_config=None,  # ours (web.observability): JSON lines with request and job ids
        plugins=[HTMXPlugin()],  # request.htmx and ClientRedirect on the pages
        debug=False,
    )
    app.state.services = services
    # Around the whole app, not per route: 404s and 405s from the router get the request id and the
    # security headers too.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler)
    return app


def _lifespan(services):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.connect()
        await start(services)
        ready = {"coach": services.coach.name, "database": _db_kind(services.settings)}
        log.info("trainplan ready", extra={**ready, "runner": services.runner is not None})
        try:
            yield
        finally:
            await stop(services)
            await db.disconnect()
            process_exited()

    return lifespan


def _csrf(settings: Settings) -> CSRFConfig:
    """Pages use the session cookie, so their forms and htmx requests carry a CSRF token; the JSON API uses
    bearer tokens and is left out. The cookie is Secure in production or when COOKIE_SECURE says so."""
    secure = (
        settings.cookie_secure if settings.cookie_secure is not None else settings.app_env == "production"
    )
    return CSRFConfig(secret=settings.csrf_key, exclude=["/api", "/health", "/metrics"], cookie_secure=secure)


def _openapi() -> OpenAPIConfig:
    bearer = SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="The access_token from POST /api/v1/auth/token",
    )
    return OpenAPIConfig(
        title="trainplan API",
        version="1.0.0",
        path="/api/schema",
        render_plugins=[LocalSwaggerPlugin(), ContractJsonPlugin()],  # the docs page, the document
        # The operations that need the access token say so (web/auth/guards.py BEARER); the rest are open.
        components=Components(security_schemes={"BearerToken": bearer}),
    )


# Requests counted and timed per route template (trainplan_requests_total, trainplan_request_duration_seconds,
# labels method/path/status_code). Event streams stay open for minutes, so they are left out of the timings
# (trainplan_open_event_streams counts them); so are the scrapes and the static files.
_HTTP_METRICS = PrometheusConfig(
    app_name="trainplan",
    prefix="trainplan",
    group_path=True,
    exclude=[r"/events$", "^/metrics", "^/static/", "^/assets/"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
)


def _db_kind(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def __getattr__(name: str):
    # `web.app:app` is built on first access, so importing this module has no side effects.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
