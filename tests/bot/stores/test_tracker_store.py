"""TunedSQLTrackerStore stores exactly what Rasa's SQLTrackerStore stores, and reads it back."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Tuple

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.tracker_store import STORED_ROWS_ATTRIBUTE, TunedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_app_upload]
slots:
  province:
    type: text
    mappings: [{type: from_entity, entity: province}]
entities: [province]
responses:
  utter_greet: [{text: hi}]
"""
)


def make_store(cls: type, path: Path) -> SQLTrackerStore:
    return cls(DOMAIN, dialect="sqlite", db=str(path))


def turn(text: str, intent: str, timestamp: float, province: str = "") -> List[Event]:
    events: List[Event] = [
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=timestamp),
    ]
    if province:
        events.append(SlotSet("province", province, timestamp=timestamp + 0.1))
    events += [
        ActionExecuted("utter_greet", timestamp=timestamp + 0.2),
        BotUttered("hi", timestamp=timestamp + 0.3),
        ActionExecuted("action_listen", timestamp=timestamp + 0.4),
    ]
    return events


def session_start(timestamp: float) -> List[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=timestamp),
        SessionStarted(timestamp=timestamp + 0.01),
        ActionExecuted("action_listen", timestamp=timestamp + 0.02),
    ]


def rows(path: Path) -> List[Tuple]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        result = connection.execute(
            sa.text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                "FROM events ORDER BY id"
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in result]


async def conversation(store: SQLTrackerStore) -> List[DialogueStateTracker]:
    """Turns as Rasa's processor makes them: read, append, save; a session restart; a
    tracker built outside the store; the full-history read."""
    read: List[DialogueStateTracker] = []
    tracker = DialogueStateTracker("alice", DOMAIN.slots)
    for event in session_start(1000.0):
        tracker.update(event)
    await store.save(tracker)
    for i, (text, province) in enumerate([("how to upload the app", ""), ("beijing", "beijing")]):
        tracker = await store.retrieve("alice")
        for event in turn(text, "ask_app_upload", 1001.0 + i):
            tracker.update(event)
        if province:
            tracker.update(SlotSet("province", province, timestamp=1001.5 + i))
        await store.save(tracker)
        # Saving the same object twice adds nothing.
        await store.save(tracker)
        read.append(tracker)
    # A new session inside a turn (session expiry): the old session's events stay in the
    # tracker object, the new ones are appended.
    tracker = await store.retrieve("alice")
    for event in session_start(2000.0) + turn("hello", "greet", 2001.0):
        tracker.update(event)
    await store.save(tracker)
    read.append(await store.retrieve("alice"))
    # A tracker this store did not read (as the HTTP API's "append events" builds it).
    other = DialogueStateTracker.from_events("bob", turn("hi", "greet", 3000.0), DOMAIN.slots)
    await store.save(other)
    more = DialogueStateTracker.from_events(
        "bob", turn("hi", "greet", 3000.0) + turn("again", "greet", 3001.0), DOMAIN.slots
    )
    await store.save(more)
    read.append(await store.retrieve("bob"))
    read.append(await store.retrieve_full_tracker("alice"))
    return read


@pytest.mark.asyncio
async def test_same_rows_and_trackers_as_rasa_sql_tracker_store(tmp_path: Path) -> None:
    ours = make_store(TunedSQLTrackerStore, tmp_path / "ours.db")
    rasas = make_store(SQLTrackerStore, tmp_path / "rasa.db")
    ours_read = await conversation(ours)
    rasa_read = await conversation(rasas)

    assert rows(tmp_path / "ours.db") == rows(tmp_path / "rasa.db")
    assert len(rows(tmp_path / "ours.db")) == 3 + 2 * 4 + 1 + 3 + 4 + 8
    for mine, theirs in zip(ours_read, rasa_read):
        assert mine.current_state() == theirs.current_state()
        assert list(mine.events) == list(theirs.events)
    # The latest session only, as Rasa reads it.
    latest = await ours.retrieve("alice")
    assert [e for e in latest.events if isinstance(e, SessionStarted)] == [
        SessionStarted(timestamp=2000.01)
    ]
    assert latest.get_slot("province") is None  # the new session starts without slots


@pytest.mark.asyncio
async def test_unknown_conversation_and_stored_row_count(tmp_path: Path) -> None:
    store = make_store(TunedSQLTrackerStore, tmp_path / "t.db")
    assert await store.retrieve("nobody") is None
    tracker = DialogueStateTracker.from_events("c", turn("hi", "greet", 10.0), DOMAIN.slots)
    await store.save(tracker)
    assert getattr(tracker, STORED_ROWS_ATTRIBUTE) == 4
    again = await store.retrieve("c")
    assert getattr(again, STORED_ROWS_ATTRIBUTE) == 4
    assert again.latest_message.text == "hi"
    assert sorted(await store.keys()) == ["c"]


@pytest.mark.asyncio
async def test_sqlite_file_uses_wal_and_pooled_connections(tmp_path: Path) -> None:
    store = make_store(TunedSQLTrackerStore, tmp_path / "wal.db")
    await store.save(DialogueStateTracker.from_events("c", turn("hi", "greet", 1.0), DOMAIN.slots))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert isinstance(store.engine.pool, sa.pool.QueuePool)


@pytest.mark.asyncio
async def test_two_stores_on_one_file_see_each_others_turns(tmp_path: Path) -> None:
    """Two Sanic workers: each reads what the other committed, nothing is lost or doubled."""
    path = tmp_path / "shared.db"
    first, second = (make_store(TunedSQLTrackerStore, path) for _ in range(2))
    await first.save(DialogueStateTracker.from_events("c", turn("a", "greet", 1.0), DOMAIN.slots))
    for i, store in enumerate([second, first, second, first]):
        tracker = await store.retrieve("c")
        for event in turn(f"m{i}", "greet", 2.0 + i):
            tracker.update(event)
        await store.save(tracker)
    final = await first.retrieve("c")
    assert [e.text for e in final.events if isinstance(e, UserUttered)] == [
        "a", "m0", "m1", "m2", "m3"
    ]
    assert len(rows(path)) == 20


@pytest.mark.asyncio
async def test_memory_database_keeps_rasa_default_engine() -> None:
    store = TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=":memory:")
    tracker = DialogueStateTracker.from_events("m", turn("hi", "greet", time.time()), DOMAIN.slots)
    await store.save(tracker)
    assert (await store.retrieve("m")).latest_message.text == "hi"
