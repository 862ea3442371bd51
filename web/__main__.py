"""`python -m web`: start the app for development (what `make run` calls)."""

from __future__ import annotations

import logging
import os
import sys

import uvicorn
from pydantic import ValidationError

from web.observability import configure_logging
from web.settings import get_settings


def main() -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        print(f"trainplan cannot start: {problems}", file=sys.stderr)
        raise SystemExit(2) from None
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    database = (
        "SQLite (" + settings.database_url.split("///", 1)[-1] + ")" if settings.is_sqlite else "PostgreSQL"
    )
    coach = (
        "OpenAI (" + settings.openai_model + ")"
        if settings.openai_api_key
        else "offline coach (no OPENAI_API_KEY)"
    )
    banner = f"trainplan listening on http://{host}:{port}  database: {database}  coach: {coach}"
    if settings.log_format == "json":  # every line of a JSON log is JSON, this one too
        configure_logging(settings.log_level, settings.log_format)
        logging.getLogger("web").info(banner)
    else:
        print(banner, flush=True)
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 before the app sees
    # the peer; TRUSTED_PROXIES (web/limits.py) alone decides whose X-Forwarded-For counts.
    uvicorn.run(
        "web.app:app",
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=15,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
