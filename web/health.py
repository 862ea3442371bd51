"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from web.db import ping
from web.errors import problem
from web.observability import render_metrics
from web.tables import GenerationJob

log = logging.getLogger("web.health")


@get("/health/live", operation_id="Live", tags=["ops"], sync_to_thread=False)
def live() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/health/ready", operation_id="Ready", tags=["ops"])
async def ready(request: Request) -> Response:
    """The database (and Redis, when configured) answer."""
    checks = await _checks(request.app.state.services.settings)
    if all(v == "ok" for v in checks.values()):
        return Response({"status": "ok", "checks": checks})
    return problem(
        503,
        "not_ready",
        "Not ready",
        "A dependency is down.",
        headers={"Retry-After": "5"},
        extra={"checks": checks},
    )


async def _checks(settings) -> dict[str, str]:
    checks = {}
    try:
        await ping()
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "down"
    if settings.redis_url:
        try:
            import redis.asyncio as aioredis

            client = aioredis.from_url(settings.redis_url, socket_timeout=2)
            await client.ping()
            await client.aclose()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "down"
    return checks


@get("/metrics", operation_id="Metrics", tags=["ops"], include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`."""
    expected = request.app.state.services.settings.metrics_token
    if expected:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response(b"", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    metrics = request.app.state.services.metrics
    try:  # the backlog, as the jobs table has it: the same figure whichever process is scraped
        queued = await GenerationJob.count().where(GenerationJob.status == "queued")
        metrics.queued_jobs.set(queued)
    except Exception:
        log.warning("queued jobs could not be counted for /metrics")
    return Response(render_metrics(metrics), media_type=CONTENT_TYPE_LATEST)
