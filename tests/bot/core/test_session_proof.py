"""Signed widget session ids (bot/core/session_proof.py)."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot import settings
from bot.core import session_proof
from bot.core.limits import MAX_SENDER_CHARS

KEY = b"test-key"


def test_an_issued_id_proves_its_conversation() -> None:
    session_id = session_proof.issue(KEY)
    conversation_id, proof = session_id.split(".")
    assert len(conversation_id) == 32 and len(session_id) <= MAX_SENDER_CHARS
    assert session_proof.conversation_of(session_id, KEY) == conversation_id
    assert session_proof.issue(KEY) != session_id


@pytest.mark.parametrize(
    "forged",
    [
        "0123456789abcdef0123456789abcdef",  # an id without proof (old widget sessions too)
        "0123456789abcdef0123456789abcdef.",
        ".abc",
        "someone-else.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "default",
        "",
        None,
        42,
        "é\udcff.x",
    ],
)
def test_ids_without_a_matching_proof_are_refused(forged: object) -> None:
    assert session_proof.conversation_of(forged, KEY) is None


def test_a_proof_is_bound_to_its_id_and_key() -> None:
    conversation_a, proof_a = session_proof.issue(KEY).split(".")
    conversation_b, _ = session_proof.issue(KEY).split(".")
    assert session_proof.conversation_of(f"{conversation_b}.{proof_a}", KEY) is None
    assert session_proof.conversation_of(f"{conversation_a}.{proof_a}", b"other key") is None


def test_the_configured_secret_wins(tmp_path: Path) -> None:
    with settings.override(SESSION_SECRET="from-env"):
        assert session_proof.secret(tmp_path / "secret") == b"from-env"
    assert not (tmp_path / "secret").exists()


def test_a_secret_is_generated_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "session_secret"
    with settings.override(SESSION_SECRET=""):
        first = session_proof.secret(path)
        assert session_proof.secret(path) == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
