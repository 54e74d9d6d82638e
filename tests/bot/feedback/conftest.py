"""Throwaway feedback databases and a real Rasa SQL tracker store with a few conversations."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.feedback.repository import FeedbackRepository, open_tracker_engine

# (sender, text, intent) of the user messages stored in the tracker fixture.
TRACKER_MESSAGES = [
    ("u1", "How much does ICP Filing cost?", "nlu_fallback"),
    ("u1", "which documents do I need", "faq_documents"),
    ("u2", "how much does icp filing cost", "nlu_fallback"),
    ("u2", "Can you recommend a pizza place?", "out_of_scope"),
    ("u3", "HOW MUCH does ICP filing cost ？", "nlu_fallback"),
    ("u3", "hello", "greet"),
]


@pytest.fixture
def tracker_db(tmp_path: Path) -> str:
    """URL of a SQLite tracker store written by Rasa's own SQLTrackerStore."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    by_sender: dict[str, list] = {}
    for sender, text, intent in TRACKER_MESSAGES:
        by_sender.setdefault(sender, []).extend(
            [
                ActionExecuted("action_listen"),
                UserUttered(text, intent={"name": intent, "confidence": 0.9}),
            ]
        )
    for sender, events in by_sender.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def repository(engine: Engine, tracker_db: str) -> FeedbackRepository:
    return FeedbackRepository(engine, open_tracker_engine(tracker_db))
