"""`python -m web.worker`: a job runner without the web server, for scaling out generation.

Run web processes with RUN_WORKER=false and as many of these as you like against the same PostgreSQL
(and REDIS_URL for live fan-out); they share the queue through the jobs table's leases.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from web import db
from web.observability import configure_logging
from web.services import build_services, start, stop
from web.settings import get_settings

log = logging.getLogger("web.worker")


async def run() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(settings, with_runner=True)
    await db.connect()
    await start(services)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log.info(
        "worker ready", extra={"coach": services.coach.name, "concurrency": settings.generation_concurrency}
    )
    await stopping.wait()
    log.info("worker stopping: finishing or handing back running jobs")
    await stop(services, grace=settings.shutdown_grace_seconds)
    await db.disconnect()


if __name__ == "__main__":
    asyncio.run(run())
