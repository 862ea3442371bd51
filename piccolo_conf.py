"""Piccolo's engine, chosen from DATABASE_URL (SQLite file by default, PostgreSQL when given)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlparse

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from pydantic_settings import BaseSettings, SettingsConfigDict

from web.sqlite_engine import PooledSQLiteEngine


class _DatabaseSettings(BaseSettings):
    """Only the database settings, so migrations run without the app's other settings."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    database_url: str = "sqlite:///var/trainplan.sqlite3"
    database_busy_timeout_seconds: float = 30.0  # SQLite only


class _WalConnection(sqlite3.Connection):
    """Every connection in WAL mode with synchronous=NORMAL: a commit writes the WAL without waiting for
    an fsync (the WAL is synced at checkpoints). The database cannot be corrupted this way; a power cut
    (not a crash of the app) may lose the last commits."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous=NORMAL")


def engine_from_url(url: str, busy_timeout: float = 30.0):
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else "var/trainplan.sqlite3"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for SQLite's lock (held by another process) before "database is
        # locked". Within a process writers queue on a lock of their own (web/sqlite_engine.py).
        return PooledSQLiteEngine(path=path, timeout=busy_timeout, factory=_WalConnection)
    parsed = urlparse(url)
    return PostgresEngine(
        config={
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username or "postgres",
            "password": parsed.password or "",
            "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
        },
        extensions=(),
    )


_settings = _DatabaseSettings()
DB = engine_from_url(_settings.database_url, _settings.database_busy_timeout_seconds)

APP_REGISTRY = AppRegistry(apps=["web.piccolo_app"])
