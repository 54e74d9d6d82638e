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
- A turn reads a bounded tracker (``bot.stores.history.window``): the session head, the state
  the conversation had before its last ``history_turns`` user turns (default 8; 0 = whole
  session, as Rasa), then those turns. The table keeps every event.
- The events of the trackers this process last read or saved are kept in memory (the
  ``history_cache`` most recent conversations, default 512), with the stored row count and
  highest row id of the conversation. A read first asks the database for those two figures
  (one indexed query); when they show only new rows (another worker's turn), only these are
  read and appended; any other difference (rows deleted, a new session, a restart of the
  process) reads the session again. So a turn no longer parses the whole conversation.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.stores.history import window

# Attribute set on trackers this store built: number of stored rows of the latest session they
# were built from (Rasa's save() recounts those rows with a query on every turn).
STORED_ROWS_ATTRIBUTE = "_icp_stored_rows"


@dataclass(frozen=True)
class _Cached:
    """What a conversation's last read or save left: its tracker's events and the table's
    row count and highest row id for it at that moment."""

    events: Tuple[Event, ...]
    rows: int
    last_id: int


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

    def __init__(
        self, *args: Any, history_turns: int = 8, history_cache: int = 512, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.history_turns = int(history_turns)
        self.history_cache = int(history_cache)
        self._cache: "OrderedDict[Text, _Cached]" = OrderedDict()
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
        self._stats = sa.select(sa.func.count(), sa.func.max(table.c.id)).where(
            table.c.sender_id == sender
        )
        self._since = (
            sa.select(table.c.id, table.c.type_name, table.c.data)
            .where(table.c.sender_id == sender, table.c.id > sa.bindparam("after"))
            .order_by(table.c.id)
        )
        self._latest_session_ids = (
            sa.select(table.c.id, table.c.data)
            .where(
                table.c.sender_id == sender,
                sa.or_(table.c.timestamp >= session_start, session_start.is_(None)),
            )
            .order_by(table.c.id)
        )

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        if not fetch_events_from_all_sessions:
            return self._retrieve_latest_session(sender_id)
        with self.engine.connect() as connection:
            rows = connection.execute(
                self._all_sessions, {"sender_id": sender_id}
            ).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(
            sender_id, [json.loads(row) for row in rows], self.domain.slots
        )

    def _retrieve_latest_session(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's tracker, from memory plus new rows when they allow it."""
        if not self.domain:
            return None
        cached = self._cache.get(sender_id)
        events: Optional[List[Event]] = None
        with self.engine.connect() as connection:
            count, last_id = connection.execute(self._stats, {"sender_id": sender_id}).one()
            if cached is not None and count >= cached.rows and (last_id or 0) >= cached.last_id:
                new = connection.execute(
                    self._since, {"sender_id": sender_id, "after": cached.last_id}
                ).all() if count > cached.rows else []
                if len(new) == count - cached.rows and not any(
                    row.type_name == SessionStarted.type_name for row in new
                ):
                    events = [*cached.events,
                              *deserialise_events([json.loads(row.data) for row in new])]
                    last_id = new[-1].id if new else cached.last_id
            if events is None:
                rows = connection.execute(
                    self._latest_session_ids, {"sender_id": sender_id}
                ).all()
                if not rows:
                    self._cache.pop(sender_id, None)
                    return None
                events = deserialise_events([json.loads(row.data) for row in rows])
                last_id = rows[-1].id
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        if self.history_turns > 0:
            # Slack: rebuild the window every few turns, not on every turn.
            tracker = window(tracker, self.history_turns, slack_turns=2)
        setattr(tracker, STORED_ROWS_ATTRIBUTE, len(tracker.events))
        self._remember(sender_id, _Cached(tuple(tracker.events), count, last_id or 0))
        return tracker

    def _remember(self, sender_id: Text, entry: Optional[_Cached]) -> None:
        self._cache.pop(sender_id, None)
        if entry is None or self.history_cache <= 0:
            return
        self._cache[sender_id] = entry
        while len(self._cache) > self.history_cache:
            self._cache.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the tracker's events that are not stored yet (see module doc)."""
        await self.stream_events(tracker)
        stored = getattr(tracker, STORED_ROWS_ATTRIBUTE, None)
        known = stored is not None and tracker.events.maxlen is None
        if not known:
            # Rasa's way: count the stored rows of the latest session.
            with self.engine.connect() as connection:
                stored = connection.execute(
                    self._count_latest_session, {"sender_id": tracker.sender_id}
                ).scalar_one()
        new_events = list(itertools.islice(tracker.events, stored, None))
        rows = [self._row(tracker.sender_id, event) for event in new_events]
        cached = self._cache.get(tracker.sender_id)
        entry = None
        with self.engine.begin() as connection:
            if rows:
                connection.execute(self._insert, rows)
            if known and cached is not None:
                count, last_id = connection.execute(
                    self._stats, {"sender_id": tracker.sender_id}
                ).one()
                # Keep the tracker in memory only if the table holds exactly what it read
                # plus these rows, and no new session began (reads start from the latest).
                if count == cached.rows + len(rows) and not any(
                    isinstance(event, SessionStarted) for event in new_events
                ):
                    entry = _Cached(tuple(tracker.events), count, last_id or 0)
        self._remember(tracker.sender_id, entry)
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
