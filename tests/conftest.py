"""Shared test set-up.

Settings are fixed in the environment before any app module is imported. The database is real: a
fresh SQLite file per test (copied from a migrated template), or PostgreSQL when DATABASE_URL names
one (migrated once per run, tables emptied between tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="trainplan-tests-"))
_TEMPLATE = _TMP / "template.sqlite3"

os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP / 'test.sqlite3'}")
os.environ["APP_ENV"] = "test"
os.environ["LOG_FORMAT"] = "json"
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ["JWT_SECRET"] = "test-secret-that-is-long-enough-for-hs256-0123456789"

import pytest  # noqa: E402

pytest_plugins = ["tests.fakes.pytest_plugin", "tests.live"]

IS_POSTGRES = os.environ["DATABASE_URL"].startswith("postgres")


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PICCOLO_CONF": "piccolo_conf"}
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    if IS_POSTGRES:
        migrate(os.environ["DATABASE_URL"])
    else:
        migrate(f"sqlite:///{_TEMPLATE}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    skip_sqlite = pytest.mark.skip(reason="SQLite-only behaviour")
    for item in items:
        if "postgres_only" in item.keywords and not IS_POSTGRES:
            item.add_marker(skip_pg)
        if "sqlite_only" in item.keywords and IS_POSTGRES:
            item.add_marker(skip_sqlite)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture
async def database(tmp_path):
    """A fresh, migrated database for this test. Yields its DATABASE_URL (for server subprocesses)."""
    from web.db import engine
    from web.tables import ALL_TABLES

    db = engine()
    if IS_POSTGRES:
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        await ALL_TABLES[0].raw(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        yield os.environ["DATABASE_URL"]
    else:
        path = tmp_path / "db.sqlite3"
        shutil.copy(_TEMPLATE, path)
        db.path = str(path)
        await ALL_TABLES[0].raw("PRAGMA journal_mode=WAL")
        yield f"sqlite:///{path}"
