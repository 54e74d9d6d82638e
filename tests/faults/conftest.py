"""The shared fault-test bot.

``fault_bot`` (one per session) runs on its own ports with a throwaway SQLite tracker store and
rules database (in a directory the tests can take away), and with Rasa's HTTP API enabled with
a token and CORS for one origin, which the security tests check. Tests that break something
restore it before they end, so the next test finds a healthy bot.
"""
from __future__ import annotations

import secrets
import shutil
from typing import Iterator

import pytest

from tests.faults.bots import ALLOWED_ORIGIN, Bot, make_bot


@pytest.fixture(scope="session")
def fault_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """The shared fault-test bot (API on with a token; CORS for ``ALLOWED_ORIGIN``)."""
    workdir = tmp_path_factory.mktemp("fault-bot")
    bot = make_bot(
        workdir,
        RASA_ENABLE_API="1",
        RASA_AUTH_TOKEN=secrets.token_urlsafe(24),
        CORS_ORIGINS=ALLOWED_ORIGIN,
    )
    bot.start()
    yield bot
    bot.stop()
    shutil.rmtree(workdir, ignore_errors=True)
