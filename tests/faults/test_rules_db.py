"""Rules database gone or corrupt: a clear message and the general answer; recovers by itself."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.faults.bots import RULES_APOLOGY, texts

pytestmark = pytest.mark.faults

QUESTION = "can I use the app in Anhui?"


def remove_directory(rules_dir: Path) -> Callable[[], None]:
    # Permissions do not stop root (CI), so the database's directory is taken away instead.
    hidden = rules_dir.with_name("rules-away")
    rules_dir.rename(hidden)
    return lambda: hidden.rename(rules_dir)


def corrupt_file(rules_dir: Path) -> Callable[[], None]:
    db = rules_dir / "rules.db"
    original = db.read_bytes()
    db.write_bytes(b"this is not a database" * 200)
    return lambda: db.write_bytes(original)


@pytest.mark.parametrize("breakage", [remove_directory, corrupt_file], ids=["missing", "corrupt"])
def test_rules_database_down_then_back(fault_bot, breakage):
    sender = f"fault-rules-{breakage.__name__}"
    assert "available in Anhui" in texts(fault_bot.say(sender, QUESTION))

    restore = breakage(fault_bot.workdir / "rules")
    try:
        reply = texts(fault_bot.say(sender, QUESTION))
        assert RULES_APOLOGY in reply
        # The general answer names no province: its lists come from the database that is down.
        assert "in some provinces" in reply and "to be determined" in reply
        status, health = fault_bot.health()
        assert (status, health["status"], health["rules_db"]) == (503, "degraded", "unavailable")
    finally:
        restore()

    reply = texts(fault_bot.say(sender, QUESTION))
    assert "available in Anhui" in reply and RULES_APOLOGY not in reply
    assert fault_bot.health()[1]["rules_db"] == "ok"
