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
    database = "SQLite " + settings.database_url.split("///", 1)[-1] if settings.is_sqlite else "PostgreSQL"
    coach = f"OpenAI coach ({settings.openai_model})" if settings.openai_api_key else "offline coach"
    # One plain line a person can read, before the JSON logs: where to go, what it runs on.
    print(f"trainplan at http://{host}:{port} — {database} — {coach}", flush=True)
    if settings.log_format == "json":
        configure_logging(settings.log_level, settings.log_format)
        logging.getLogger("web").info(
            "starting", extra={"url": f"http://{host}:{port}", "database": database, "coach": coach}
        )
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
