"""A conversation lock store shared by several Rasa processes on one host, without Redis.

Rasa serialises the turns of one conversation with a ticket lock from its lock store. Its
``InMemoryLockStore`` lives inside one process, so Rasa 3.6 refuses ``SANIC_WORKERS`` > 1 with
it: two Sanic workers would each hold their own locks and could process one conversation at
the same time, and the SQL tracker store, which appends "the events it has not seen yet", then
loses or duplicates the events of one of the turns. ``SQLiteLockStore`` keeps the ticket
queues in one SQLite file that every worker opens, so ``make run`` can start several workers
with nothing but the embedded SQLite defaults.

It reproduces the semantics of :class:`bot.stores.lock_redis.AtomicRedisLockStore`:

- A table ``tickets(conversation_id, ticket, token, deadline)`` holds every waiting ticket.
  ``BEGIN IMMEDIATE`` takes SQLite's write lock, so issuing a ticket (largest number of the
  conversation + 1) and every check of the queue are atomic across processes: turns are
  served first come, first served, and the head of a conversation's queue (lowest number)
  holds the lock. The random token makes a ticket's owner unique even when numbering starts
  again, so nobody can release someone else's ticket.
- ``deadline`` is a ``time.time()`` timestamp (every process on one host shares the clock): a
  waiter renews its deadline on every poll and loses its place ``waiter_ttl`` seconds after it
  stopped polling; the holder keeps the lock for at most the lock lifetime Rasa asks for
  (``TICKET_LOCK_LIFETIME``, 60 s by default). A crashed process therefore blocks a
  conversation for at most that long, never forever.

When the database cannot be used (bad path, disk full, locked beyond ``busy_timeout``) the
turn is processed without the lock and an error is logged: an unlocked turn can only clash
with a concurrent message of the same conversation, while refusing every turn would take the
whole assistant down.

Several hosts cannot share an SQLite file safely (file locking over network file systems is
unreliable); use ``bot.stores.lock_redis.AtomicRedisLockStore`` for them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Text, Tuple, TypeVar

from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot.stores.lock_base import QueuedLockStore
from bot import settings

logger = logging.getLogger(__name__)

DEFAULT_PATH = settings.VAR_DIR / "locks.db"
# Locks are per conversation, so a waiter almost never has to wait, and when it does the turn
# ahead is typically a few ms from done: poll often to add little latency to a queued turn.
DEFAULT_POLL_INTERVAL = 0.01
# Long enough to survive a busy event loop (the SQL tracker store and NLU block it), short
# enough that a crashed process's queued tickets do not hold up a conversation for long.
DEFAULT_WAITER_TTL = 10.0
DEFAULT_BUSY_TIMEOUT = 5.0
# Expired tickets of conversations nobody writes to any more are removed by a full purge at
# most this often (per process); active conversations purge their own on every operation.
_GLOBAL_PURGE_INTERVAL = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    conversation_id TEXT NOT NULL,
    ticket INTEGER NOT NULL,
    token TEXT NOT NULL,
    deadline REAL NOT NULL,
    PRIMARY KEY (conversation_id, ticket)
) WITHOUT ROWID
"""

_OPTIONS = ("poll_interval", "waiter_ttl", "busy_timeout")
# Passed by Rasa's built-in lock store construction or copied from a Redis configuration;
# meaningless for a file, so accepted without a warning.
_IGNORED = ("host", "port", "db", "username", "password", "use_ssl", "key_prefix")

_T = TypeVar("_T")


def resolve_path(url: Optional[Text]) -> Path:
    """Returns the database file named by a lock store ``url``.

    Args:
        url: ``sqlite:///relative/path``, ``sqlite:////absolute/path`` (SQLAlchemy style) or a
            plain path. Relative paths are relative to the project root (so every worker finds
            the same file whatever its working directory). Empty: ``var/locks.db``.

    Returns:
        The absolute path of the database file.

    Raises:
        ValueError: The URL names an in-memory database (private to one connection, so it
            cannot serialise several processes) or is not an SQLite URL.
    """
    if url is None or not str(url).strip():
        return DEFAULT_PATH
    text = str(url).strip()
    # SQLite URI filenames (file:...?mode=memory) are in-memory too.
    memory = "mode=memory" in text
    if "://" in text:
        parsed = make_url(text)
        if parsed.get_backend_name() != "sqlite":
            raise ValueError(
                f"SQLiteLockStore needs a file path or an sqlite:/// URL, not a "
                f"{parsed.get_backend_name()} URL (for Redis use bot.stores.lock_redis.AtomicRedisLockStore)"
            )
        text = parsed.database or ":memory:"
    if memory or text == ":memory:":
        raise ValueError(
            "SQLiteLockStore cannot use an in-memory database: it must be one file shared by "
            "every Rasa process. Give a file path (default var/locks.db), or use the in_memory "
            "lock store for a single process."
        )
    path = Path(text).expanduser()
    return path if path.is_absolute() else settings.ROOT / path


class SQLiteLockStore(QueuedLockStore):
    """FIFO conversation locks in an SQLite file shared by the Rasa processes of one host.

    Configured in endpoints.yml::

        lock_store:
          type: bot.stores.lock_sqlite.SQLiteLockStore
          url: var/locks.db            # or sqlite:///var/locks.db; empty: var/locks.db
          poll_interval: 0.01          # optional, seconds between checks while waiting
          waiter_ttl: 10               # optional, seconds a silent waiter keeps its place
          busy_timeout: 5              # optional, seconds to wait for SQLite's write lock

    Only :meth:`lock` is used by Rasa (agent, processor and HTTP API all go through it), so,
    as in :class:`bot.stores.lock_redis.AtomicRedisLockStore`, the ticket bookkeeping methods of
    :class:`LockStore` are not implemented.

    Args:
        endpoint_config: The ``lock_store`` section of endpoints.yml (Rasa passes only this).
        url: Database path or ``sqlite:///`` URL; overrides ``endpoint_config.url`` (tests).
        host: Alias of ``url``, the name Rasa's own lock stores give the endpoint URL.
        poll_interval: Seconds between two checks of a waiting ticket.
        waiter_ttl: Seconds after which a waiting ticket that stopped polling loses its place.
        busy_timeout: Seconds an operation waits for another process's write transaction.
        **kwargs: Other options; Redis connection options are ignored, others are logged.

    Raises:
        ValueError: The URL names an in-memory database or is not an SQLite URL.
    """

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[Text] = None,
        host: Optional[Text] = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        waiter_ttl: float = DEFAULT_WAITER_TTL,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        options: Dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        unknown = sorted(
            set(options).union(kwargs).difference(_OPTIONS).difference(_IGNORED)
        )
        if unknown:
            logger.warning("SQLiteLockStore ignores unknown options: %s", ", ".join(unknown))
        self.path = resolve_path(
            url or host or (endpoint_config.url if endpoint_config else None)
        )
        # Values from endpoints.yml may be strings (environment variable substitution).
        self.poll_interval = float(options.get("poll_interval", poll_interval))
        self.waiter_ttl = float(options.get("waiter_ttl", waiter_ttl))
        self.busy_timeout = float(options.get("busy_timeout", busy_timeout))
        self._conn: Optional[sqlite3.Connection] = None
        self._pid = os.getpid()
        # Serialises use of the connection should a caller use the store from several threads.
        self._mutex = threading.Lock()
        self._next_global_purge = 0.0
        super().__init__()

    # --- connection -----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """Returns this process's connection, opening it on first use and after a fork."""
        if self._pid != os.getpid():
            # A connection must not be used across fork (SQLite's POSIX locks belong to the
            # parent): abandon it without closing, which could disturb the parent's locks.
            self._conn = None
            self._pid = os.getpid()
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path),
                timeout=self.busy_timeout,
                # Autocommit: transactions are only the explicit BEGIN IMMEDIATE ... COMMIT.
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
                conn.execute("PRAGMA journal_mode=WAL")
                # Locks need not survive an OS crash (every holder is gone then too): skip
                # fsync, which would cost far more than the rest of the operation.
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute(_SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _run(self, operation: Callable[[sqlite3.Connection, float], _T], write: bool) -> _T:
        """Runs ``operation(connection, now)``, in one BEGIN IMMEDIATE transaction if ``write``.

        Called synchronously from the event loop on purpose: an operation is one short
        transaction on a tiny table without fsync (about 0.1 ms), no dearer than a hop
        to a thread pool. It blocks only if another process holds SQLite's write lock, which
        this store's own transactions do for about as long.

        Raises:
            sqlite3.Error, OSError: The database cannot be used; the connection is dropped
                so that the next operation opens it again.
        """
        with self._mutex:
            try:
                conn = self._connection()
                if not write:
                    return operation(conn, time.time())
                conn.execute("BEGIN IMMEDIATE")
                try:
                    # Read the clock once the write lock is held: deadlines then never go
                    # backwards between processes queued on the lock.
                    result = operation(conn, time.time())
                    conn.execute("COMMIT")
                    return result
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError):
                self._drop_connection()
                raise

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        """Closes this process's connection (it is opened again when needed)."""
        with self._mutex:
            self._drop_connection()

    async def ping(self) -> None:
        """Checks that the database can be opened and read.

        Raises:
            sqlite3.Error: The database cannot be used.
            OSError: Its directory cannot be created.
        """
        self._run(
            lambda conn, _now: conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchall(),
            write=False,
        )

    # --- queue operations (each called inside one transaction) ----------------------------

    def _purge(self, conn: sqlite3.Connection, conversation_id: Text, now: float) -> None:
        conn.execute(
            "DELETE FROM tickets WHERE conversation_id = ? AND deadline < ?",
            (conversation_id, now),
        )
        if now >= self._next_global_purge:
            self._next_global_purge = now + _GLOBAL_PURGE_INTERVAL
            conn.execute("DELETE FROM tickets WHERE deadline < ?", (now,))

    def _issue(
        self, conversation_id: Text, lock_lifetime: float, waiter_ttl: float
    ) -> Tuple[int, Text, bool]:
        """Appends a ticket to the conversation's queue.

        Args:
            waiter_ttl: Seconds the ticket keeps its place while it waits without polling.

        Returns:
            The ticket number, its token and whether it is at the head (holds the lock).
        """
        token = uuid.uuid4().hex

        def issue(conn: sqlite3.Connection, now: float) -> Tuple[int, Text, bool]:
            self._purge(conn, conversation_id, now)
            (last,) = conn.execute(
                "SELECT MAX(ticket) FROM tickets WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            head = last is None
            # The head's lifetime starts now; saves an acquire round trip when uncontended.
            ttl = lock_lifetime if head else waiter_ttl
            number = (last or 0) + 1
            conn.execute(
                "INSERT INTO tickets (conversation_id, ticket, token, deadline) "
                "VALUES (?, ?, ?, ?)",
                (conversation_id, number, token, now + ttl),
            )
            return number, token, head

        return self._run(issue, write=True)

    def _acquire(
        self, conversation_id: Text, number: int, token: Text, lock_lifetime: float
    ) -> int:
        """Renews a waiting ticket and checks whether it reached the head of the queue.

        Returns:
            0 when the ticket now holds the lock (its deadline becomes now + lock_lifetime),
            its (positive) place in the queue while it waits, or -1 when it expired.
        """

        def acquire(conn: sqlite3.Connection, now: float) -> int:
            self._purge(conn, conversation_id, now)
            mine = conn.execute(
                "SELECT 1 FROM tickets WHERE conversation_id = ? AND ticket = ? AND token = ?",
                (conversation_id, number, token),
            ).fetchone()
            if mine is None:
                return -1
            (place,) = conn.execute(
                "SELECT COUNT(*) FROM tickets WHERE conversation_id = ? AND ticket < ?",
                (conversation_id, number),
            ).fetchone()
            ttl = lock_lifetime if place == 0 else self.waiter_ttl
            conn.execute(
                "UPDATE tickets SET deadline = ? WHERE conversation_id = ? AND ticket = ?",
                (now + ttl, conversation_id, number),
            )
            return int(place)

        return self._run(acquire, write=True)

    def _release(self, conversation_id: Text, number: int, token: Text) -> None:
        # One statement is atomic on its own: no explicit transaction needed.
        self._run(
            lambda conn, _now: conn.execute(
                "DELETE FROM tickets WHERE conversation_id = ? AND ticket = ? AND token = ?",
                (conversation_id, number, token),
            ),
            write=False,
        )

    # --- the lock Rasa uses ---------------------------------------------------------------

    async def _wait_for_turn(self, conversation_id: Text, lock_lifetime: float) -> Optional[Text]:
        try:
            number, token, head = self._issue(conversation_id, lock_lifetime, self.waiter_ttl)
        except (sqlite3.Error, OSError) as e:
            logger.error(
                "Lock store %s unusable (%s: %s); handling conversation %s without its lock",
                self.path,
                type(e).__name__,
                e,
                conversation_id,
            )
            return None
        if head:
            return f"{number}:{token}"
        try:
            while True:
                await asyncio.sleep(self.poll_interval)
                place = self._acquire(conversation_id, number, token, lock_lifetime)
                if place == 0:
                    return f"{number}:{token}"
                if place < 0:
                    raise LockError(
                        f"Ticket {number} of conversation '{conversation_id}' expired while "
                        f"waiting for the lock."
                    )
        except (sqlite3.Error, OSError) as e:
            logger.error(
                "Lock store %s failed while waiting (%s: %s); handling conversation %s "
                "without its lock",
                self.path,
                type(e).__name__,
                e,
                conversation_id,
            )
            self._release_ticket(conversation_id, number, token)
            return None
        except BaseException:
            # Cancelled (client gone, response timeout) or expired: leave the queue at once
            # rather than making the turns behind wait for the ticket to time out.
            self._release_ticket(conversation_id, number, token)
            raise

    async def _release_quietly(self, conversation_id: Text, ticket: Text) -> None:
        number, token = ticket.split(":", 1)
        self._release_ticket(conversation_id, int(number), token)

    def _release_ticket(self, conversation_id: Text, number: int, token: Text) -> None:
        try:
            self._release(conversation_id, number, token)
        except (sqlite3.Error, OSError) as e:
            # The ticket expires by itself; the turn's reply must not fail because of it.
            logger.error(
                "Could not release lock ticket %s of %s (%s: %s)",
                number,
                conversation_id,
                type(e).__name__,
                e,
            )
