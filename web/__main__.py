"""`python -m web`: start the app for development (what `make run` calls)."""

from __future__ import annotations

import os

import uvicorn

from web.settings import get_settings


def main() -> None:
    settings = get_settings()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    database = "SQLite (" + settings.database_url.split("///", 1)[-1] + ")" if settings.is_sqlite else "PostgreSQL"
    coach = "OpenAI (" + settings.openai_model + ")" if settings.openai_api_key else "offline coach (no OPENAI_API_KEY)"
    print(f"trainplan listening on http://{host}:{port}  database: {database}  coach: {coach}", flush=True)
    uvicorn.run("web.app:app", host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=15)


if __name__ == "__main__":
    main()
