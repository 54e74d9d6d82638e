"""Fixtures shared by the whole suite: a throwaway rules database and tracker builders."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from sqlalchemy.engine import Engine

from bot.stores.db import create_engine_for
from bot.rules.loader import DEFAULT_RULES_FILE, load
from bot.rules.repository import RulesRepository


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: needs the running bot (BOT_URL), see scripts/test.sh")


@pytest.fixture(scope="session")
def rules_repo(tmp_path_factory: pytest.TempPathFactory) -> RulesRepository:
    """A repository over a throwaway SQLite database loaded from data/provinces.yml."""
    db = tmp_path_factory.mktemp("rules") / "rules.db"
    engine = create_engine_for(f"sqlite:///{db}")
    load(DEFAULT_RULES_FILE, engine)
    return RulesRepository(engine)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty throwaway SQLite database (the rules and feedback stores)."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'rules.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """Builds an action-server tracker for a user message with the given slots."""

    def build(
        intent: str = "inform",
        text: str = "",
        slots: Optional[Dict[str, Any]] = None,
        ranking: Optional[List[Dict[str, Any]]] = None,
        sender_id: str = "test-user",
        entities: Optional[List[Dict[str, Any]]] = None,
    ) -> Tracker:
        values = {"language": "en", "asked_details": []}
        values.update(slots or {})
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
            "entities": entities or [],
        }
        return Tracker(sender_id, values, message, [], False, None, {}, "action_listen")

    return build


@pytest.fixture(scope="session")
def bot_url() -> str:
    """Base URL of the live bot started by scripts/test.sh."""
    url = os.environ.get("BOT_URL")
    if not url:
        pytest.skip("BOT_URL not set: live tests run in `make test` against a started bot")
    return url.rstrip("/")
