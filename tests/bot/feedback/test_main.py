"""`python -m bot.feedback report`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.feedback.__main__ import EXIT_DB_UNAVAILABLE, EXIT_OK, main
from bot.feedback.repository import FeedbackRepository
from bot.settings import ROOT as REPO_ROOT


def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_report_prints_both_lists(engine: Engine, tracker_db: str, capsys: pytest.CaptureFixture) -> None:
    repository = FeedbackRepository(engine)
    for rating in ["not_helpful", "not_helpful", "helpful"]:
        repository.record(
            sender_id="s1", question="fees?", answer_key="utter_faq_documents", language="zh",
            rating=rating,
        )
    assert main(["report", "--db", db_url(engine), "--tracker-db", tracker_db]) == EXIT_OK
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Least helpful answers")
    assert lines[1].split() == ["answer", "key", "lang", "helpful", "not", "helpful", "share"]
    assert lines[2].split() == ["utter_faq_documents", "zh", "1", "2", "67%"]
    unanswered = lines[lines.index("Most frequent unanswered questions") + 1:]
    assert unanswered[1].split()[0] == "3"
    assert "[not understood 3]" in unanswered[1]
    assert "pizza place?  [out of scope 1]" in out
    assert "fees?  [rated not helpful 2]" in out


def test_report_limit(engine: Engine, tracker_db: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", "--limit", "1", "--db", db_url(engine), "--tracker-db", tracker_db]) == 0
    out = capsys.readouterr().out
    assert "No answer has been rated not helpful." in out
    assert out.count("[") == 2  # the header's "[why]" and one question


def test_report_without_tracker_store_says_so(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["report", "--db", db_url(engine), "--tracker-db", missing]) == EXIT_OK
    out = capsys.readouterr().out
    assert "tracker store not found" in out and "None so far." in out


@pytest.mark.parametrize("limit", ["0", "-3", "x"])
def test_report_rejects_a_bad_limit(limit: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--limit", limit])
    assert exit_info.value.code == 2


def test_unreachable_database_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["report", "--db", f"sqlite:///{tmp_path}", "--tracker-db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == EXIT_DB_UNAVAILABLE
    assert "error: feedback database unavailable" in capsys.readouterr().err


def test_runs_as_a_module_with_the_environment(tmp_path: Path, tracker_db: str) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT),
        "RULES_DB_URL": f"sqlite:///{tmp_path / 'rules.db'}",
        "TRACKER_DB_URL": tracker_db,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.feedback", "report"], env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "[not understood 3]" in result.stdout


def test_long_questions_are_cut_to_one_line(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    FeedbackRepository(engine).record(
        sender_id="s1", question="why\n" + "x" * 300, answer_key="utter_faq_documents",
        language="en", rating="not_helpful",
    )
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["report", "--db", db_url(engine), "--tracker-db", missing]) == EXIT_OK
    line = next(l for l in capsys.readouterr().out.splitlines() if "why x" in l)
    assert "why " + "x" * 95 + "…  [rated not helpful 1]" in line


def test_report_counts_handoffs_first_replies_and_suggestion_use(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def agent(ts: float, suggestion=None, edited=False) -> BotUttered:
        return BotUttered("x", metadata={"agent": "alice", "suggestion": suggestion, "edited": edited}, timestamp=ts)

    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    conversations = {
        "a": [UserUttered("/human_handoff", timestamp=99.0), ConversationPaused(timestamp=100.0),
              agent(160.0, "faq_documents"), agent(170.0, "faq_documents", True), ConversationResumed()],
        "b": [ConversationPaused(timestamp=100.0), agent(220.0), agent(230.0, "faq_documents")],
        "c": [ConversationPaused(timestamp=100.0)],
        "d": [UserUttered("hello", timestamp=1.0), BotUttered("hi", timestamp=2.0)],
    }
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    assert main(["report", "--db", db_url(engine), "--tracker-db", f"sqlite:///{path}"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "handoffs: 3, answered by an agent: 2" in out
    assert "time to first agent reply (median): 90 s" in out
    assert "agent messages: 4; suggestion sent as-is 2 (50%), edited 1 (25%), no suggestion used 1 (25%)" in out
