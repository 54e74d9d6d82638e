"""SQL tracker store with SQLite tuned for a chat server (prototype, see docs/benchmarks.md).

``endpoints.yml``::

    tracker_store:
      type: bot.bench.tracker_store.TunedSQLTrackerStore
      url: ${TRACKER_DB_URL}

Exactly Rasa's ``SQLTrackerStore`` (same tables, same queries, any SQLAlchemy URL); only for
``sqlite`` file URLs connections are pooled (not reopened per session) and switch the database to write-ahead logging
(``journal_mode=WAL``, persistent in the file) with ``synchronous=NORMAL``: a commit appends
to the WAL without an fsync (the WAL is synced at checkpoints), readers do not block the
writer, and the API/agent-assist readers of the same file no longer see ``database is
locked``. A committed turn survives a process crash; an OS crash or power loss can lose the
last turns (not corrupt the file). A 5 s ``busy_timeout`` makes concurrent writers wait
instead of failing.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


class TunedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore``; SQLite connections use WAL + synchronous=NORMAL and are pooled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (
            None, "", ":memory:"
        ):
            # SQLAlchemy 1.4 gives file databases a NullPool: a new connection per session,
            # and closing the last connection of a WAL database checkpoints and deletes the
            # WAL every turn. Keep connections open instead (SQLAlchemy 2.0's default); a
            # pooled connection is only ever used by one session at a time.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
