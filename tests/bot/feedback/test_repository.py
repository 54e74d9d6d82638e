"""Recording ratings, the least helpful answers and the unanswered questions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.channels import rest
from bot.feedback import models
from bot.feedback.models import Feedback
from bot.feedback.repository import (
    FeedbackRepository,
    FeedbackUnavailable,
    normalize_question,
    open_tracker_engine,
    validate_feedback,
)
from bot.stores.db import create_engine_for
from bot.rules.loader import DEFAULT_RULES_FILE, load

VALID = dict(
    sender_id="s1",
    question="Which documents do I need?",
    answer_key="utter_faq_documents",
    language="en",
    rating="helpful",
)


def rate(repository: FeedbackRepository, answer_key: str, rating: str, **kwargs) -> int:
    return repository.record(**{**VALID, "answer_key": answer_key, "rating": rating, **kwargs})


def test_limits_match_the_channels() -> None:
    assert models.MAX_QUESTION_CHARS == rest.MAX_MESSAGE_CHARS
    assert models.MAX_SENDER_CHARS == rest.MAX_SENDER_CHARS


def test_record_creates_the_table_on_first_use_and_stores_a_row(engine: Engine) -> None:
    assert not inspect(engine).has_table("feedback")
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    feedback_id = FeedbackRepository(engine).record(**VALID, source="agent")
    with Session(engine) as session:
        row = session.get(Feedback, feedback_id)
        assert (row.sender_id, row.question, row.answer_key, row.language, row.rating, row.source) == (
            "s1", "Which documents do I need?", "utter_faq_documents", "en", "helpful", "agent"
        )
        # SQLite gives the timestamp back without its zone; it was written in UTC.
        assert row.created_at.replace(tzinfo=timezone.utc) >= before


def test_feedback_lives_beside_the_rules_and_survives_reloading_them(engine: Engine) -> None:
    load(DEFAULT_RULES_FILE, engine)
    repository = FeedbackRepository(engine)
    repository.record(**VALID)
    load(DEFAULT_RULES_FILE, engine)
    assert {"provinces", "feedback"} <= set(inspect(engine).get_table_names())
    with Session(engine) as session:
        assert len(session.scalars(select(Feedback)).all()) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sender_id": ""}, "'sender_id' must be 1 to 128"),
        ({"sender_id": "x" * 129}, "'sender_id' must be 1 to 128"),
        ({"question": "   "}, "'question' must be 1 to 2000"),
        ({"question": "q" * 2001}, "'question' must be 1 to 2000"),
        ({"answer_key": "faq_documents"}, "'answer_key' must be a response name"),
        ({"answer_key": "utter_<script>"}, "'answer_key' must be a response name"),
        ({"answer_key": "utter_" + "x" * 200}, "'answer_key' must be a response name"),
        ({"language": "fr"}, "'language' must be one of: en, zh"),
        ({"rating": "meh"}, "'rating' must be one of: helpful, not_helpful"),
        ({"source": "web"}, "'source' must be one of: chat, agent"),
    ],
)
def test_invalid_values_are_refused(engine: Engine, change: dict, message: str) -> None:
    values = {**VALID, "source": "chat", **change}
    with pytest.raises(ValueError, match=message):
        validate_feedback(**values)
    with pytest.raises(ValueError, match=message):
        FeedbackRepository(engine).record(**values)
    assert not inspect(engine).has_table("feedback")  # refused before touching the database


def test_least_helpful_orders_by_share_then_count(engine: Engine) -> None:
    repository = FeedbackRepository(engine)
    for answer_key, ratings in {
        "utter_a": ["not_helpful"] * 3 + ["helpful"],  # 75 %, 3
        "utter_b": ["not_helpful"] * 1 + ["helpful"] * 3,  # 25 %
        "utter_c": ["helpful"] * 5,  # never not helpful: not listed
        "utter_d": ["not_helpful"] * 6 + ["helpful"] * 2,  # 75 %, 6
        "utter_e": ["not_helpful"],  # 100 %
    }.items():
        for rating in ratings:
            rate(repository, answer_key, rating)
    rate(repository, "utter_a", "not_helpful", language="zh")
    stats = repository.least_helpful(limit=10)
    assert [(s.answer_key, s.language, s.helpful, s.not_helpful) for s in stats] == [
        ("utter_a", "zh", 0, 1),
        ("utter_e", "en", 0, 1),
        ("utter_d", "en", 2, 6),
        ("utter_a", "en", 1, 3),
        ("utter_b", "en", 3, 1),
    ]
    assert stats[2].not_helpful_share == pytest.approx(0.75)
    assert [s.answer_key for s in repository.least_helpful(limit=2)] == ["utter_a", "utter_e"]


def test_least_helpful_on_an_empty_database(engine: Engine) -> None:
    assert FeedbackRepository(engine).least_helpful() == []


@pytest.mark.parametrize(
    "a, b",
    [
        ("How much does ICP Filing cost?", "how much  does icp filing cost"),
        ("HOW MUCH does ICP filing cost ？", "how much does icp filing cost"),
        ("多少钱？", "多少钱"),
        ("备案要多久。", "备案要多久"),
        ("Ｆｕｌｌ width", "full width"),
    ],
)
def test_normalize_question(a: str, b: str) -> None:
    assert normalize_question(a) == normalize_question(b)


def test_unanswered_counts_tracker_fallbacks_and_not_helpful_ratings(
    repository: FeedbackRepository,
) -> None:
    rate(repository, "utter_faq_documents", "not_helpful", question="how much does ICP filing cost")
    rate(repository, "utter_faq_documents", "not_helpful", question="Where is the upload button?")
    rate(repository, "utter_faq_documents", "helpful", question="which documents do I need")
    questions = repository.unanswered(limit=10)
    summary = [(q.question, q.count, dict(q.reasons)) for q in questions]
    assert summary[0][1:] == (4, {"nlu_fallback": 3, "not_helpful": 1})
    assert normalize_question(summary[0][0]) == "how much does icp filing cost"
    assert summary[1:] == [
        ("Can you recommend a pizza place?", 1, {"out_of_scope": 1}),
        ("Where is the upload button?", 1, {"not_helpful": 1}),
    ]
    assert len(repository.unanswered(limit=1)) == 1


def test_unanswered_without_a_tracker_store_counts_ratings_only(engine: Engine) -> None:
    repository = FeedbackRepository(engine)
    rate(repository, "utter_faq_documents", "not_helpful", question="fees?")
    assert [(q.question, q.count) for q in repository.unanswered()] == [("fees?", 1)]


def test_open_tracker_engine_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    assert open_tracker_engine(f"sqlite:///{path}") is None
    assert not path.exists()


def test_a_tracker_store_without_events_table_has_no_questions(engine: Engine, tmp_path: Path) -> None:
    empty = create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    with empty.connect():
        pass
    assert FeedbackRepository(engine, empty).unanswered() == []


def test_bad_tracker_url_is_reported_without_echoing_it() -> None:
    with pytest.raises(FeedbackUnavailable) as error:
        open_tracker_engine("not a url :// secret")
    assert "secret" not in str(error.value)


def test_database_failures_raise_feedback_unavailable(tmp_path: Path) -> None:
    # A directory cannot be opened as a SQLite database.
    broken = create_engine_for(f"sqlite:///{tmp_path}")
    with pytest.raises(FeedbackUnavailable, match="feedback database unavailable"):
        FeedbackRepository(broken).record(**VALID)
    with pytest.raises(FeedbackUnavailable, match="tracker store unavailable"):
        FeedbackRepository(create_engine_for(f"sqlite:///{tmp_path / 'ok.db'}"), broken).unanswered()
