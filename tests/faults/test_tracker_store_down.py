"""PostgreSQL (the tracker store) stopped at runtime: the bot keeps answering, the health
endpoint reports it, and conversations are stored again once PostgreSQL is back."""
from __future__ import annotations

import glob
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.bots import REPO, Bot, free_port, make_bot, texts, wait_until

PG_LOCAL = REPO / "scripts" / "pg_local.sh"

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not (glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")),
        reason="PostgreSQL server binaries not installed (apt-get install postgresql)",
    ),
]


def pg_local(*args: str) -> str:
    result = subprocess.run(
        [str(PG_LOCAL), *args], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


@dataclass(frozen=True)
class Postgres:
    """A private cluster made by scripts/pg_local.sh."""

    directory: Path
    port: int

    def start(self) -> None:
        pg_local("start", str(self.directory), str(self.port), "tracker")

    def stop(self) -> None:
        pg_local("stop", str(self.directory))


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A private PostgreSQL cluster with a ``tracker`` database, deleted at the end."""
    server = Postgres(tmp_path_factory.mktemp("pg"), free_port())
    server.start()
    yield server
    pg_local("destroy", str(server.directory))


@pytest.fixture(scope="module")
def pg_bot(pg: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    bot = make_bot(
        tmp_path_factory.mktemp("pg-bot"),
        TRACKER_DB_URL=pg_local("url", str(pg.directory), str(pg.port), "tracker"),
        HEALTH_FALLBACK_WINDOW="3",
    )
    bot.start()
    yield bot
    bot.stop()


def test_tracker_store_down_then_back(pg_bot, pg):
    sender = "fault-pg-1"
    assert pg_bot.health()[0] == 200
    pg_bot.say(sender, "I'm in Fujian")

    pg.stop()
    try:
        status, health = pg_bot.health()
        assert (status, health["status"], health["tracker_store"]) == (
            503, "degraded", "unwritable"
        )
        assert "4 MB" in texts(pg_bot.say(sender, "what image formats are allowed?"))
        status, health = pg_bot.health()
        assert (status, health["tracker_store"]) == (503, "fallback_in_memory")
        assert health["tracker_store_fallbacks"] > 0
    finally:
        pg.start()

    wait_until(lambda: pg_bot.health()[0] == 200, timeout=30, what="health back to ok")
    # The details stored before the outage are still there.
    assert "available in Fujian" in texts(pg_bot.say(sender, "is app upload available?"))
