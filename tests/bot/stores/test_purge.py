"""Retention: python -m bot.stores.purge deletes old conversation events and ratings."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from bot import settings
from bot.feedback.models import Feedback
from bot.feedback.repository import FeedbackRepository
from bot.stores import purge
from bot.stores.db import create_engine_for
from bot.stores.tracker_store import TunedSQLTrackerStore

DOMAIN = Domain.load("domain")
DAY = 86_400


async def store_conversation(store: TunedSQLTrackerStore, sender: str, age_days: float) -> None:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered(f"hello from {sender}", timestamp=time.time() - age_days * DAY))
    await store.save(tracker)


def rate(engine: sa.engine.Engine, sender: str, age_days: float) -> None:
    FeedbackRepository(engine).record(
        sender_id=sender, question="q?", answer_key="utter_greet", language="en", rating="helpful"
    )
    with Session(engine) as session, session.begin():
        row = session.scalars(sa.select(Feedback).where(Feedback.sender_id == sender)).one()
        row.created_at = datetime.now(timezone.utc) - timedelta(days=age_days)


def senders(engine: sa.engine.Engine) -> set:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())


@pytest.mark.asyncio
async def test_old_conversations_and_ratings_are_deleted(tmp_path: Path, engine: sa.engine.Engine) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = TunedSQLTrackerStore(domain=DOMAIN, host=url)
    await store_conversation(store, "old", 91)
    await store_conversation(store, "recent", 89)
    rate(engine, "old", 91)
    rate(engine, "recent", 10)
    tracker_engine = create_engine_for(url)

    counted = purge.purge(90, tracker_engine, engine, dry_run=True)
    assert counted.events > 0 and counted.feedback == 1
    assert senders(tracker_engine) == {"old", "recent"}

    done = purge.purge(90, tracker_engine, engine)
    assert done == counted
    assert senders(tracker_engine) == {"recent"}
    assert await store.retrieve("old") is None
    assert (await store.retrieve("recent")).latest_message.text == "hello from recent"
    with Session(engine) as session:
        assert [r.sender_id for r in session.scalars(sa.select(Feedback))] == ["recent"]
    assert purge.purge(90, tracker_engine, engine) == purge.Purged(0, 0)


def test_nothing_to_purge_before_the_stores_exist(engine: sa.engine.Engine) -> None:
    assert purge.purge(90, None, engine) == purge.Purged(0, 0)


def test_the_command_uses_retention_days(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rules = tmp_path / "rules.db"
    with settings.override(
        RULES_DB_URL=f"sqlite:///{rules}", TRACKER_DB_URL=f"sqlite:///{tmp_path / 'none.db'}", RETENTION_DAYS="30"
    ):
        assert purge.main(["--dry-run"]) == 0
        assert "would delete 0 conversation events and 0 ratings older than 30 days" in capsys.readouterr().out
        assert purge.main(["--days", "0"]) == 2
    # Missing stores are not created.
    assert not (tmp_path / "none.db").exists() and not rules.exists()
