"""Database plumbing shared by the services: write transactions, error classification, bounded retries."""

from __future__ import annotations

import asyncio
import contextlib
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
        # The server ended the connection (pg_terminate_backend, a restart, a crash), and the client-side
        # state confusion asyncpg reports when that happens in the middle of an operation.
        asyncpg.exceptions.AdminShutdownError,
        asyncpg.exceptions.CrashShutdownError,
        asyncpg.exceptions.InternalClientError,
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
    if isinstance(db, SQLiteEngine):  # web/sqlite_engine.py: its transactions always let go on the way out
        return db.transaction(transaction_type=TransactionType.immediate)
    return _Transaction(db.transaction())


class _Transaction:
    """Piccolo's PostgreSQL transaction, forgotten by the task even when ending it fails. Piccolo's __aexit__ raises from
    a rollback on a dead connection (killed, server restarted) before it resets `current_transaction`: every
    later query of the task, and of the tasks it starts, would then run on that dead connection."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __aenter__(self):
        try:
            return await self.inner.__aenter__()
        except BaseException:  # BEGIN failed on a dead connection: Piccolo keeps the connection checked out
            if getattr(self.inner, "_parent", None) is None:
                await self._give_back()
            raise

    async def __aexit__(self, *exc_info) -> bool:
        try:
            return await self.inner.__aexit__(*exc_info)
        except BaseException:
            context = getattr(self.inner, "context", None)
            if getattr(self.inner, "_parent", None) is None and context is not None:
                with contextlib.suppress(ValueError, RuntimeError):
                    self.inner.engine.current_transaction.reset(context)
                await self._give_back()
            raise

    async def _give_back(self) -> None:
        connection = getattr(self.inner, "connection", None)
        if connection is None:
            return
        pool = getattr(self.inner.engine, "pool", None)
        with contextlib.suppress(Exception):  # it may be gone already
            await (pool.release(connection) if pool else connection.close())


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
        try:
            await db.start_connection_pool(min_size=1, max_size=20)
        except Exception as exc:  # start anyway: /health/ready says "down", and ping() makes the pool later
            log.error("database not reachable at start-up", extra={"error_type": type(exc).__name__})
    elif isinstance(db, SQLiteEngine):
        # WAL lets readers run beside the one writer; the setting is kept in the file.
        await User.raw("PRAGMA journal_mode=WAL")


async def disconnect() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif hasattr(db, "close_connections"):
        await db.close_connections()


async def ping() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is None:
        await db.start_connection_pool(min_size=1, max_size=20)
    await User.raw("SELECT 1")
