"""Database plumbing shared by the services: write transactions, error classification, bounded retries."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from web.tables import User

log = logging.getLogger("web.db")
T = TypeVar("T")

try:  # asyncpg is only needed on PostgreSQL
    import asyncpg

    _PG_INTEGRITY: tuple[type[BaseException], ...] = (asyncpg.exceptions.IntegrityConstraintViolationError,)
    _PG_TRANSIENT: tuple[type[BaseException], ...] = (
        asyncpg.exceptions.SerializationError,
        asyncpg.exceptions.DeadlockDetectedError,
        asyncpg.exceptions.ConnectionDoesNotExistError,
        asyncpg.exceptions.CannotConnectNowError,
        asyncpg.exceptions.TooManyConnectionsError,
        asyncpg.exceptions.InterfaceError,
        ConnectionError,
        OSError,
    )
except ImportError:  # pragma: no cover
    _PG_INTEGRITY = ()
    _PG_TRANSIENT = ()


def engine():
    return User._meta.db


def write_transaction() -> AbstractAsyncContextManager:
    """A transaction for writes. SQLite's must take the write lock up front (IMMEDIATE): a deferred one
    that reads and then writes fails at once with "database is locked" under concurrency."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return bool(_PG_INTEGRITY) and isinstance(exc, _PG_INTEGRITY) and "unique" in type(exc).__name__.lower()


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text or "disk i/o" in text
    return bool(_PG_TRANSIENT) and isinstance(exc, _PG_TRANSIENT)


async def with_retries(op: Callable[[], Awaitable[T]], *, attempts: int = 3, what: str = "db") -> T:
    """Run `op` again on a transient database error, a bounded number of times with backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return await op()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.warning("transient database error, retrying", extra={"op": what, "attempt": attempt})
            await asyncio.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


async def connect() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=20)
    elif isinstance(db, SQLiteEngine):
        # WAL lets readers run beside the one writer; the setting is kept in the file.
        await User.raw("PRAGMA journal_mode=WAL")


async def disconnect() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


async def ping() -> None:
    await User.raw("SELECT 1")
