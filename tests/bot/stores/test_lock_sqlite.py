"""SQLiteLockStore on throwaway database files: exclusion, order, expiry, processes, failures.

Cross-process tests use real processes (multiprocessing, spawn context, as Sanic starts its
workers) on one database file; a crash is a real SIGKILL.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import List

import pytest
import rasa.core.utils
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import ROOT as PROJECT_ROOT
from bot.stores.lock_sqlite import DEFAULT_PATH, SQLiteLockStore, resolve_path

TYPE = "bot.stores.lock_sqlite.SQLiteLockStore"


def rows(db: Path, conversation: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE conversation_id = ?", (conversation,)
        ).fetchone()[0]


# --- run in child processes (module-level so that spawn can import them) --------------------


def _increment(db: str, counter: str, times: int) -> None:
    """Increments the counter file ``times`` times with a read-sleep-write under the lock."""

    async def main() -> None:
        store = SQLiteLockStore(url=db, poll_interval=0.001)
        for _ in range(times):
            async with store.lock("shared") as ticket:
                assert ticket is not None
                value = int(Path(counter).read_text() or 0)
                await asyncio.sleep(0.001)
                Path(counter).write_text(str(value + 1))

    asyncio.run(main())


def _hold_forever(db: str, lifetime: float, locked) -> None:
    """Takes the conversation's lock, reports it and hangs (until killed)."""

    async def main() -> None:
        store = SQLiteLockStore(url=db)
        async with store.lock("crash", lock_lifetime=lifetime):
            locked.set()
            await asyncio.sleep(3600)

    asyncio.run(main())


# --- one process -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_turns_of_one_conversation_are_exclusive_and_fifo(tmp_path):
    store = SQLiteLockStore(url=str(tmp_path / "locks.db"), poll_interval=0.002)
    inside = 0
    served: List[int] = []
    started: List[int] = []

    async def turn(i: int) -> None:
        nonlocal inside
        started.append(i)
        async with store.lock("c1") as ticket:
            inside += 1
            assert inside == 1, "two turns of one conversation ran at the same time"
            served.append(int(ticket.split(":")[0]))
            await asyncio.sleep(0.002)
            inside -= 1

    await asyncio.gather(*(turn(i) for i in range(20)))
    assert served == list(range(1, 21)), "tickets are served in the order they were issued"
    assert rows(tmp_path / "locks.db", "c1") == 0, "every ticket is released"


@pytest.mark.asyncio
async def test_different_conversations_do_not_block_each_other(tmp_path):
    store = SQLiteLockStore(url=str(tmp_path / "locks.db"))
    async with store.lock("a"):
        started = time.monotonic()
        async with store.lock("b") as ticket:
            assert ticket is not None
        assert time.monotonic() - started < 0.5


@pytest.mark.asyncio
async def test_a_holder_that_never_releases_blocks_only_until_its_lifetime(tmp_path):
    db = str(tmp_path / "locks.db")
    crashed = SQLiteLockStore(url=db)
    # Entered and never exited: the row stays with the holder's deadline, as after a crash.
    # (Keep a reference: a collected context manager would release in its finally.)
    abandoned = crashed.lock("c2", lock_lifetime=0.5)
    await abandoned.__aenter__()
    store = SQLiteLockStore(url=db)
    started = time.monotonic()
    async with store.lock("c2"):
        waited = time.monotonic() - started
    assert 0.3 < waited < 2, f"waited {waited:.2f}s for an abandoned 0.5 s lock"


@pytest.mark.asyncio
async def test_a_waiter_that_stopped_polling_loses_its_place(tmp_path):
    db = str(tmp_path / "locks.db")
    store = SQLiteLockStore(url=db, waiter_ttl=0.4)
    async with store.lock("c3"):
        # A ticket issued by a process that died before its first poll.
        SQLiteLockStore(url=db, waiter_ttl=0.4)._issue("c3", 60, 0.4)
        assert rows(tmp_path / "locks.db", "c3") == 2
    started = time.monotonic()
    async with store.lock("c3"):
        waited = time.monotonic() - started
    assert 0.1 < waited < 2, f"waited {waited:.2f}s behind a dead waiter (waiter_ttl 0.4 s)"


@pytest.mark.asyncio
async def test_a_cancelled_waiter_leaves_the_queue_at_once(tmp_path):
    db = tmp_path / "locks.db"
    store = SQLiteLockStore(url=str(db))
    async with store.lock("c4"):
        waiter = asyncio.create_task(store.lock("c4").__aenter__())
        while rows(db, "c4") < 2:
            await asyncio.sleep(0.005)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert rows(db, "c4") == 1


@pytest.mark.asyncio
async def test_a_ticket_that_expired_while_waiting_raises_lock_error(tmp_path):
    store = SQLiteLockStore(url=str(tmp_path / "locks.db"), waiter_ttl=0.05, poll_interval=0.2)
    async with store.lock("c5"):
        with pytest.raises(LockError):
            async with store.lock("c5"):
                pass


@pytest.mark.asyncio
async def test_an_unusable_database_runs_the_turn_unlocked(tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    # The parent is a file: neither mkdir nor sqlite can open it, even as root.
    store = SQLiteLockStore(url=str(blocker / "locks.db"))
    with caplog.at_level(logging.ERROR, logger="bot.stores.lock_sqlite"):
        async with store.lock("c6") as ticket:
            assert ticket is None
    assert "without its lock" in caplog.text
    with pytest.raises(OSError):
        await store.ping()


@pytest.mark.asyncio
async def test_a_broken_database_file_runs_the_turn_unlocked(tmp_path, caplog):
    db = tmp_path / "locks.db"
    db.write_bytes(b"this is not an SQLite database" * 100)
    store = SQLiteLockStore(url=str(db))
    with caplog.at_level(logging.ERROR, logger="bot.stores.lock_sqlite"):
        async with store.lock("c7") as ticket:
            assert ticket is None
    assert "without its lock" in caplog.text


def test_a_forked_child_opens_its_own_connection(tmp_path):
    db = str(tmp_path / "locks.db")
    store = SQLiteLockStore(url=db)
    store._issue("parent", 60, 10)  # opens the parent's connection before the fork
    parent_connection = store._conn

    def child() -> None:
        async def main() -> None:
            async with store.lock("child") as ticket:
                assert ticket is not None
            assert store._conn is not parent_connection

        asyncio.run(main())

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    assert rows(tmp_path / "locks.db", "parent") == 1


# --- several processes -------------------------------------------------------------------


def test_processes_sharing_the_file_never_lose_an_update(tmp_path):
    """Three processes (three Sanic workers) hammer one conversation; no update is lost."""
    db, counter = str(tmp_path / "locks.db"), tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_increment, args=(db, str(counter), 30)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    assert counter.read_text() == "90"


@pytest.mark.asyncio
async def test_a_killed_holder_process_blocks_only_until_the_lock_lifetime(tmp_path):
    db = str(tmp_path / "locks.db")
    ctx = multiprocessing.get_context("spawn")
    locked = ctx.Event()
    holder = ctx.Process(target=_hold_forever, args=(db, 1.0, locked))
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 30), "the holder did not take the lock"
        holder.kill()
        holder.join(10)
        store = SQLiteLockStore(url=db)
        started = time.monotonic()
        async with store.lock("crash"):
            waited = time.monotonic() - started
        assert waited < 3, f"waited {waited:.1f}s for a dead holder's 1 s lock"
    finally:
        holder.kill()
        holder.join(10)


# --- configuration -----------------------------------------------------------------------


def test_rasa_creates_it_from_the_endpoint_config_and_allows_workers(tmp_path, monkeypatch):
    path = tmp_path / "locks.db"
    config = EndpointConfig(url=str(path), type=TYPE, poll_interval="0.02", waiter_ttl=5)
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore)
    assert (store.path, store.poll_interval, store.waiter_ttl) == (path, 0.02, 5.0)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert rasa.core.utils.number_of_sanic_workers(config) == 2
    assert rasa.core.utils.number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1


def test_urls_and_paths():
    assert resolve_path(None) == resolve_path("") == DEFAULT_PATH
    assert DEFAULT_PATH == PROJECT_ROOT / "var" / "locks.db"
    assert resolve_path("sqlite:///var/x.db") == PROJECT_ROOT / "var" / "x.db"
    assert resolve_path("sqlite:////tmp/x.db") == Path("/tmp/x.db")
    assert resolve_path("var/x.db") == PROJECT_ROOT / "var" / "x.db"
    assert resolve_path("/tmp/x.db") == Path("/tmp/x.db")


@pytest.mark.parametrize(
    "url", [":memory:", "sqlite://", "sqlite:///:memory:", "file:x?mode=memory&cache=shared"]
)
def test_an_in_memory_database_is_rejected(url):
    with pytest.raises(ValueError, match="in-memory database"):
        SQLiteLockStore(EndpointConfig(url=url, type=TYPE))


def test_a_non_sqlite_url_is_rejected():
    with pytest.raises(ValueError, match="AtomicRedisLockStore"):
        SQLiteLockStore(url="redis://localhost:6379/0")


def test_the_lock_cycle_is_cheap(tmp_path):
    store = SQLiteLockStore(url=str(tmp_path / "locks.db"))

    async def cycles(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            async with store.lock("bench"):
                pass
        return (time.perf_counter() - started) / n

    per_cycle = asyncio.run(cycles(1000))
    print(f"uncontended lock/unlock cycle: {per_cycle * 1e6:.0f} us")
    assert per_cycle < 0.005
