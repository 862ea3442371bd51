"""Piccolo's SQLite engine, made to hold up under concurrent writes in one process.

Piccolo opens a new connection (a thread, the file, the schema read again) for every query, and leaves a
writer that meets a held lock to SQLite's busy handler, which sleeps between tries with delays growing to
100 ms. Under a burst of writes in one process (20 submits beside running generations) most of the
latency was those sleeps, not work. So, in each process:

- writers queue on one asyncio lock before they touch the file: a writer waits as long as the one before
  it takes, and is woken the moment it ends. Write transactions (`BEGIN IMMEDIATE`) hold it from BEGIN to
  COMMIT; an INSERT/UPDATE/DELETE outside a transaction holds it for that statement. A writer that waits
  longer than the busy timeout for its turn gets "database is locked", as it would from SQLite. Other
  processes on the same file (a separate worker) still meet SQLite's own lock and busy timeout.
- connections are kept and reused (up to eight idle), so a query costs a query. Their threads are
  daemons: a connection left open never holds the interpreter at exit.

Reads never take the lock: under WAL they run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import weakref
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

_WRITE_TYPES = ("insert", "update", "delete")
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_KEEP = 8


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[tuple[str, aiosqlite.Connection]] = []
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    async def take_writer_lock(self) -> asyncio.Lock:
        """This process's writer lock, taken; "database is locked" after the busy timeout in the queue."""
        lock = self.writer_lock()
        if not lock.locked():
            await lock.acquire()  # free and nobody queued: taken without yielding
            return lock
        turn = asyncio.ensure_future(lock.acquire())
        try:
            await asyncio.wait({turn}, timeout=self.connection_kwargs.get("timeout", 5.0))
        except BaseException:  # this task was cancelled while it queued
            _give_up(turn, lock)
            raise
        if not turn.done():
            _give_up(turn, lock)
            raise sqlite3.OperationalError("database is locked (waited the busy timeout for a writer here)")
        return lock

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        lock = await self.take_writer_lock()
        try:
            yield
        finally:
            lock.release()

    async def get_connection(self) -> aiosqlite.Connection:
        while self._idle:
            path, connection = self._idle.pop()
            if path == self.path:
                return connection
            await _close(connection)  # the file was switched (tests do)
        connection = aiosqlite.connect(**self.connection_kwargs)
        connection._thread.daemon = True  # aiosqlite starts it on await
        connection.trainplan_path = self.path  # the file it is open on, whatever `path` says later
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def give_back(self, connection: aiosqlite.Connection) -> None:
        """Keep a connection for the next query, unless it was left inside a transaction or enough are kept."""
        if len(self._idle) < _KEEP and not _broken(connection):
            self._idle.append((getattr(connection, "trainplan_path", None), connection))
        else:
            await _close(connection)

    async def discard(self, connection: aiosqlite.Connection) -> None:
        """Close a connection whose state is not known (an operation on it failed or was cancelled, and may
        still run on its thread): closing rolls back whatever it holds. Shielded, so a cancellation of the
        caller does not leave it open."""
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(_close(connection))

    async def close_connections(self) -> None:
        idle, self._idle = self._idle, []
        for _, connection in idle:
            await _close(connection)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        writes = query_type in _WRITE_TYPES or query.lstrip()[:7].upper().startswith(_WRITE_WORDS)
        async with self.writing() if writes else contextlib.nullcontext():
            connection = await self.get_connection()
            try:
                async with connection.execute(query, args or []) as cursor:
                    rows = await cursor.fetchall()
            except BaseException:
                await self.discard(connection)
                raise
            await self.give_back(connection)
            return rows

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _Transaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


class _Transaction(SQLiteTransaction):
    """A transaction on a kept connection. IMMEDIATE and EXCLUSIVE ones hold the process's writer lock from
    BEGIN to the end; whatever happens on the way out, the connection goes back (or is closed), the task
    forgets the transaction and the lock is released."""

    __slots__ = ("_lock",)

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self._lock = None
        if self.transaction_type is not TransactionType.deferred:
            self._lock = await self.engine.take_writer_lock()
        self.connection = None
        try:
            self.connection = await self.engine.get_connection()
            await self.begin()
        except BaseException:  # BEGIN may still run after a cancellation: never pool this connection
            if self.connection is not None:
                await self.engine.discard(self.connection)
            self._release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None:
            return exception is None
        ended = False
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            ended = True
        finally:
            try:
                # A generator closed from another task has another context: the reset fails there.
                with contextlib.suppress(ValueError, RuntimeError):
                    self.engine.current_transaction.reset(self.context)
                if ended:
                    await self.engine.give_back(self.connection)
                else:  # COMMIT or ROLLBACK failed or was cancelled: closing rolls back what is left
                    await self.engine.discard(self.connection)
            finally:
                self._release()
        return exception is None

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


def _give_up(turn: asyncio.Future, lock: asyncio.Lock) -> None:
    """Leave the queue; a turn that was (or is about to be) granted anyway is handed back."""
    turn.cancel()
    turn.add_done_callback(lambda t: None if t.cancelled() or t.exception() else lock.release())


def _broken(connection: aiosqlite.Connection) -> bool:
    try:
        return connection.in_transaction
    except Exception:  # closed, or its thread is gone
        return True


async def _close(connection: aiosqlite.Connection) -> None:
    with contextlib.suppress(Exception):
        await connection.close()
