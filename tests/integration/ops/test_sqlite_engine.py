"""web/sqlite_engine.py: writers in one process take turns on a lock of their own (no busy-handler sleeps),
a writer waits at most the busy timeout for its turn, nothing leaks the lock, connections are kept."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import uuid

import pytest

from web.clock import now
from web.db import engine, write_transaction
from web.tables import User

pytestmark = pytest.mark.sqlite_only


def _user(email: str) -> User:
    return User(id=uuid.uuid4(), email=email, password_hash="x", created_at=now())


@pytest.fixture
async def db(database):
    db = engine()
    timeout = db.connection_kwargs["timeout"]
    db.connection_kwargs["timeout"] = 0.3
    yield db
    db.connection_kwargs["timeout"] = timeout


async def _holding(db, entered: asyncio.Event, leave: asyncio.Event) -> None:
    async with write_transaction():
        await User.insert(_user("holder@example.com"))
        entered.set()
        await leave.wait()


async def test_many_writers_at_once_all_land(db):
    """Forty write transactions at once, each reading then writing: none meets "database is locked"."""

    async def one(i: int) -> None:
        async with write_transaction():
            await User.count()
            await User.insert(_user(f"w{i}@example.com"))

    await asyncio.gather(*(one(i) for i in range(40)))
    assert await User.count() == 40


async def test_a_writer_waits_at_most_the_busy_timeout_for_its_turn(db):
    entered, leave = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_holding(db, entered, leave))
    await entered.wait()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await User.insert(_user("late@example.com"))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        async with write_transaction():
            await User.insert(_user("late2@example.com"))
    leave.set()
    await holder
    # The turns given up were handed on: the lock is free, and only the holder's row was written.
    await User.insert(_user("after@example.com"))
    assert sorted(r["email"] for r in await User.select(User.email)) == [
        "after@example.com",
        "holder@example.com",
    ]


async def test_a_writer_cancelled_in_the_queue_does_not_keep_the_lock(db):
    entered, leave = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_holding(db, entered, leave))
    await entered.wait()
    queued = asyncio.create_task(User.insert(_user("queued@example.com")).run())
    await asyncio.sleep(0)  # let it reach the queue
    assert db.writer_lock().locked()
    queued.cancel()
    leave.set()
    await holder
    with pytest.raises(asyncio.CancelledError):
        await queued
    async with write_transaction():  # would wait for ever if the cancelled turn had kept the lock
        await User.insert(_user("next@example.com"))
    assert not db.writer_lock().locked()
    assert await User.count() == 2


async def test_a_failed_transaction_rolls_back_and_lets_go(db):
    with pytest.raises(sqlite3.IntegrityError):
        async with write_transaction():
            await User.insert(_user("dup@example.com"))
            await User.insert(_user("dup@example.com"))  # the unique email index refuses it
    assert not db.writer_lock().locked()
    assert db.current_transaction.get() is None
    assert await User.count() == 0
    assert all(not c.in_transaction for _, c in db._idle)  # nothing kept half-way through a transaction


async def test_connections_are_kept_and_reused(db):
    await db.close_connections()
    threads = threading.active_count()
    for i in range(50):
        await User.insert(_user(f"r{i}@example.com"))
        await User.count()
    assert threading.active_count() - threads <= 1  # one kept connection (its thread) served them all
    await asyncio.gather(*(User.count() for _ in range(30)))
    assert 1 <= len(db._idle) <= 8
    await db.close_connections()
    assert db._idle == []


async def test_a_switched_file_is_not_served_by_old_connections(db, tmp_path):
    """Tests switch the file under the engine (`db.path`): kept connections to the old one are not reused."""
    await User.insert(_user("old@example.com"))
    first = db.path
    try:
        await db.close_connections()
        shutil.copy(first, tmp_path / "copy.sqlite3")  # the migrated schema (rows may still sit in the WAL)
        await User.count()  # a connection to the first file is kept
        db.path = str(tmp_path / "copy.sqlite3")
        await User.delete(force=True)
        await User.insert(_user("new@example.com"))
        assert [r["email"] for r in await User.select(User.email)] == ["new@example.com"]
    finally:
        db.path = first
    assert [r["email"] for r in await User.select(User.email)] == ["old@example.com"]


async def test_a_transaction_cancelled_while_it_begins_leaves_nothing_open(db):
    """Cancelled while BEGIN IMMEDIATE waits on the connection's thread: that connection is closed, not
    kept (it would hold SQLite's write lock in an open transaction), and later writes land."""
    await User.count()  # a kept connection, so that the writer goes straight to BEGIN on it

    async def writer() -> None:
        async with write_transaction():
            await asyncio.Event().wait()

    task = asyncio.create_task(writer())
    await asyncio.sleep(0)  # one step of the loop: the task takes its turn and sends BEGIN
    assert db.writer_lock().locked()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not db.writer_lock().locked()
    assert all(not c.in_transaction for _, c in db._idle)
    await User.insert(_user("after@example.com"))
    with sqlite3.connect(db.path) as other:  # another connection sees it: committed, not held open
        assert other.execute("SELECT count(*) FROM app_user").fetchone() == (1,)


async def test_a_transaction_left_from_another_context_still_lets_go(db):
    """An async generator holding a transaction, closed by another task (as the finaliser does): its
    context differs, the reset fails, and the lock must be released all the same."""

    async def rows():
        async with write_transaction():
            await User.insert(_user("gen@example.com"))
            yield 1

    generator = rows()
    assert await generator.__anext__() == 1
    assert db.writer_lock().locked()
    await asyncio.create_task(generator.aclose())
    assert not db.writer_lock().locked()
    async with write_transaction():  # would fail with "database is locked" after the busy timeout
        await User.insert(_user("next@example.com"))


async def test_a_kept_connection_serves_only_the_file_it_was_opened_on(db, tmp_path):
    await User.insert(_user("first-file@example.com"))
    await db.close_connections()
    first = db.path
    shutil.copy(first, tmp_path / "second.sqlite3")
    connection = await db.get_connection()  # opened on the first file
    db.path = str(tmp_path / "second.sqlite3")
    try:
        await db.give_back(connection)  # handed back after the switch
        await User.delete(force=True)
        assert await User.count() == 0  # the second file, not the first through the kept connection
    finally:
        db.path = first
    assert await User.count() == 1
