"""Rasa's SQL tracker store with a lean per-turn path (figures in docs/benchmarks.md).

``endpoints.yml``::

    tracker_store:
      type: bot.stores.tracker_store.TunedSQLTrackerStore
      url: ${TRACKER_DB_URL}

Same table, same rows and the same "latest session" semantics as Rasa's ``SQLTrackerStore``
(any SQLAlchemy URL: SQLite, PostgreSQL...), so every reader of the ``events`` table (the
agent console, Rasa's HTTP API, ``rasa export``) is unaffected. What changes per turn:

- Reading a tracker is one SQLAlchemy Core statement built once (compiled-statement cache
  hit), instead of an ORM query rebuilt per call.
- Saving does not count the stored events again: a tracker read from this store remembers how
  many stored rows it was built from, so the new events are the ones after those; the rows are
  inserted in one ``executemany``. A tracker this store did not read (a new conversation, a
  tracker replaced through the HTTP API) falls back to counting them, as Rasa does. This relies on
  the conversation lock Rasa holds from reading to saving a turn, as Rasa's own counting does.
- For SQLite files, connections are pooled (SQLAlchemy 1.4 opens and closes one per session
  for files, and closing the last connection of a WAL database checkpoints it every time) and
  use write-ahead logging with ``synchronous=NORMAL``: a commit appends to the WAL without an
  fsync, readers do not block the writer (so the agent console and API readers no longer see
  ``database is locked``). A committed turn survives a process crash; an OS crash or power loss
  can lose the last turns, never corrupt the file. A 5 s ``busy_timeout`` makes concurrent
  writers (several Sanic workers) wait instead of failing.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# Attribute set on trackers this store built: number of stored rows of the latest session they
# were built from (Rasa's save() recounts those rows with a query on every turn).
STORED_ROWS_ATTRIBUTE = "_icp_stored_rows"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


class TunedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with prepared statements, no recount on save, tuned SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (
            None, "", ":memory:"
        ):
            # A pooled connection is only ever used by one session or statement at a time.
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
        self._build_statements()

    def _build_statements(self) -> None:
        table = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        # Rasa's _event_query: events at or after the latest session start, or all of them.
        self._latest_session = (
            sa.select(table.c.data)
            .where(
                table.c.sender_id == sender,
                sa.or_(table.c.timestamp >= session_start, session_start.is_(None)),
            )
            .order_by(table.c.id)
        )
        self._count_latest_session = sa.select(sa.func.count()).select_from(
            self._latest_session.subquery()
        )
        self._all_sessions = (
            sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        )
        self._insert = sa.insert(table)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        statement = self._all_sessions if fetch_events_from_all_sessions else self._latest_session
        with self.engine.connect() as connection:
            rows = connection.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row) for row in rows], self.domain.slots
        )
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_ROWS_ATTRIBUTE, len(rows))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the tracker's events that are not stored yet (see module doc)."""
        await self.stream_events(tracker)
        stored = getattr(tracker, STORED_ROWS_ATTRIBUTE, None)
        if stored is None or tracker.events.maxlen is not None:
            # Rasa's way: count the stored rows of the latest session.
            with self.engine.connect() as connection:
                stored = connection.execute(
                    self._count_latest_session, {"sender_id": tracker.sender_id}
                ).scalar_one()
        rows = [self._row(tracker.sender_id, event) for event in
                itertools.islice(tracker.events, stored, None)]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self._insert, rows)
        setattr(tracker, STORED_ROWS_ATTRIBUTE, stored + len(rows))

    @staticmethod
    def _row(sender_id: Text, event: Any) -> Dict[Text, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
