"""Records answer ratings and reads what needs work: the least helpful answers and the questions
the bot could not answer.

"Unanswered" questions come from two places: user messages in the Rasa tracker store (SQL, table
``events``) whose intent was ``nlu_fallback`` or ``out_of_scope``, and the questions of answers
rated not helpful. They are counted by normalised text, so "How much does it cost?" and "how much
does it cost" are one question.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from sqlalchemy import case, column, func, inspect, select, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from bot.core.handoff import HANDOFF_EVENTS, PAUSE, HandoffFigures
from bot.stores.db import DatabaseUnavailable, create_engine_for, translate_db_errors
from bot.feedback.models import (
    LANGUAGES,
    MAX_ANSWER_KEY_CHARS,
    MAX_QUESTION_CHARS,
    MAX_SENDER_CHARS,
    RATINGS,
    SOURCES,
    Base,
    Feedback,
)

__all__ = [
    "AnswerStats",
    "FeedbackRepository",
    "FeedbackUnavailable",
    "UnansweredQuestion",
    "normalize_question",
    "open_tracker_engine",
    "validate_feedback",
]

UNANSWERED_INTENTS: tuple[str, ...] = ("nlu_fallback", "out_of_scope")
NOT_HELPFUL = "not_helpful"

_ANSWER_KEY_RE = re.compile(r"utter_[a-z0-9_]+", re.ASCII)
_SPACES_RE = re.compile(r"\s+")
# Closing punctuation (ASCII and full-width) that does not change the question.
_TRAILING_RE = re.compile(r"[\s?!.,;:。？！，；：…~～]+$")


class FeedbackUnavailable(DatabaseUnavailable):
    """The feedback database or the tracker store cannot be reached or queried."""


@dataclass(frozen=True)
class AnswerStats:
    """Ratings of one answer in one language.

    Attributes:
        answer_key: Domain response name, e.g. ``"utter_faq_documents"``.
        language: ``"en"`` or ``"zh"``.
        helpful: Number of helpful ratings.
        not_helpful: Number of not helpful ratings.
    """

    answer_key: str
    language: str
    helpful: int
    not_helpful: int

    @property
    def not_helpful_share(self) -> float:
        """Share of the ratings that were not helpful, 0 to 1."""
        return self.not_helpful / (self.helpful + self.not_helpful)


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question the bot could not answer, with how often it was asked.

    Attributes:
        question: The most frequent spelling of the question.
        count: How often it occurred, all reasons together.
        reasons: Read-only count per reason: ``"nlu_fallback"``, ``"out_of_scope"`` (from the
            tracker store) and ``"not_helpful"`` (from ratings).
    """

    question: str
    count: int
    reasons: Mapping[str, int]


def normalize_question(text: str) -> str:
    """The form of a question used for counting: NFKC, case-folded, single spaces, no closing
    punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _TRAILING_RE.sub("", _SPACES_RE.sub(" ", text).strip())


def validate_feedback(
    *, sender_id: str, question: str, answer_key: str, language: str, rating: str, source: str
) -> None:
    """Checks one rating's values.

    Raises:
        ValueError: A value is empty, too long or not in its vocabulary; the message names the
            field and what is allowed.
    """
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        raise ValueError(f"'sender_id' must be 1 to {MAX_SENDER_CHARS} characters.")
    if not question.strip() or len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"'question' must be 1 to {MAX_QUESTION_CHARS} characters.")
    if len(answer_key) > MAX_ANSWER_KEY_CHARS or not _ANSWER_KEY_RE.fullmatch(answer_key):
        raise ValueError(
            "'answer_key' must be a response name such as 'utter_faq_documents' "
            f"(at most {MAX_ANSWER_KEY_CHARS} characters)."
        )
    for field, value, allowed in (
        ("language", language, LANGUAGES),
        ("rating", rating, RATINGS),
        ("source", source, SOURCES),
    ):
        if value not in allowed:
            raise ValueError(f"'{field}' must be one of: {', '.join(allowed)}.")


def open_tracker_engine(url: str) -> Engine | None:
    """An engine over the Rasa tracker store, or None when its SQLite file does not exist yet.

    Args:
        url: SQLAlchemy URL of the tracker store (``TRACKER_DB_URL``).

    Raises:
        FeedbackUnavailable: The URL is malformed or its database driver is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        # The message would echo the URL, password included.
        raise FeedbackUnavailable("invalid tracker store URL") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        # Connecting would create an empty file where Rasa will later put its own.
        if not Path(parsed.database).exists():
            return None
    return create_engine_for(url, "tracker store", FeedbackUnavailable)


class FeedbackRepository:
    """Ratings in the feedback table, and unanswered questions from ratings and the tracker store.

    Every call opens its own short-lived session, so one repository can serve several threads.
    """

    def __init__(self, engine: Engine, tracker_engine: Engine | None = None) -> None:
        """Creates a repository.

        Args:
            engine: The database holding the feedback table (the rules database); the table is
                created on first use.
            tracker_engine: The Rasa tracker store, read by :meth:`unanswered`; None to count
                not-helpful ratings only.
        """
        self._engine = engine
        self._tracker_engine = tracker_engine
        self._table_ready = False
        self._lock = threading.Lock()

    def _ensure_table(self) -> None:
        if self._table_ready:
            return
        with self._lock, translate_db_errors("feedback database", FeedbackUnavailable):
            if not self._table_ready:
                Base.metadata.create_all(self._engine)
                self._table_ready = True

    def record(
        self,
        *,
        sender_id: str,
        question: str,
        answer_key: str,
        language: str,
        rating: str,
        source: str = "chat",
    ) -> int:
        """Stores one rating.

        Returns:
            The id of the stored rating.

        Raises:
            ValueError: A value is invalid (see :func:`validate_feedback`).
            FeedbackUnavailable: The database failed.
        """
        fields = dict(
            sender_id=sender_id,
            question=question,
            answer_key=answer_key,
            language=language,
            rating=rating,
            source=source,
        )
        validate_feedback(**fields)
        self._ensure_table()
        row = Feedback(**fields)
        with translate_db_errors("feedback database", FeedbackUnavailable), Session(self._engine) as session, session.begin():
            session.add(row)
            session.flush()
            return row.id

    def count(self, *, sender_id: str, answer_key: str) -> int:
        """How many ratings a conversation gave one answer.

        Raises:
            FeedbackUnavailable: The database failed.
        """
        self._ensure_table()
        query = select(func.count(Feedback.id)).where(
            Feedback.sender_id == sender_id, Feedback.answer_key == answer_key
        )
        with translate_db_errors("feedback database", FeedbackUnavailable), Session(self._engine) as session:
            return int(session.scalar(query) or 0)

    def ratings_by_sender(self, sender_ids: list[str]) -> dict[str, dict[str, int]]:
        """How each conversation rated the bot's answers: ``{sender_id: {rating: count}}``.

        Args:
            sender_ids: The conversations; those without ratings are left out.

        Raises:
            FeedbackUnavailable: The database failed.
        """
        if not sender_ids:
            return {}
        self._ensure_table()
        query = (
            select(Feedback.sender_id, Feedback.rating, func.count(Feedback.id))
            .where(Feedback.sender_id.in_(sender_ids), Feedback.source == "chat")
            .group_by(Feedback.sender_id, Feedback.rating)
        )
        result: dict[str, dict[str, int]] = defaultdict(dict)
        with translate_db_errors("feedback database", FeedbackUnavailable), Session(self._engine) as session:
            for sender_id, rating, count in session.execute(query):
                result[sender_id][rating] = count
        return dict(result)

    def least_helpful(self, limit: int = 10) -> list[AnswerStats]:
        """The answers rated not helpful at least once, worst first.

        Worst means the highest share of not helpful ratings, then the most not helpful ratings.

        Args:
            limit: Maximum number of answers.

        Raises:
            FeedbackUnavailable: The database failed.
        """
        self._ensure_table()
        not_helpful = func.sum(case((Feedback.rating == NOT_HELPFUL, 1), else_=0))
        total = func.count(Feedback.id)
        query = (
            select(Feedback.answer_key, Feedback.language, total - not_helpful, not_helpful)
            .group_by(Feedback.answer_key, Feedback.language)
            .having(not_helpful > 0)
            .order_by(
                (not_helpful * 1.0 / total).desc(),
                not_helpful.desc(),
                Feedback.answer_key,
                Feedback.language,
            )
            .limit(limit)
        )
        with translate_db_errors("feedback database", FeedbackUnavailable), Session(self._engine) as session:
            return [AnswerStats(*row) for row in session.execute(query)]

    def unanswered(self, limit: int = 10) -> list[UnansweredQuestion]:
        """The most frequent questions the bot could not answer.

        Args:
            limit: Maximum number of questions.

        Raises:
            FeedbackUnavailable: The feedback database or the tracker store failed.
        """
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        reasons: dict[str, Counter[str]] = defaultdict(Counter)
        for text, reason in [*self._not_helpful_questions(), *self._fallback_messages()]:
            key = normalize_question(text)
            if key:
                spellings[key][text.strip()] += 1
                reasons[key][reason] += 1
        questions = [
            UnansweredQuestion(
                question=spellings[key].most_common(1)[0][0],
                count=sum(counts.values()),
                reasons=MappingProxyType(dict(counts)),
            )
            for key, counts in reasons.items()
        ]
        questions.sort(key=lambda q: (-q.count, q.question))
        return questions[:limit]

    def _not_helpful_questions(self) -> list[tuple[str, str]]:
        self._ensure_table()
        query = select(Feedback.question).where(Feedback.rating == NOT_HELPFUL)
        with translate_db_errors("feedback database", FeedbackUnavailable), Session(self._engine) as session:
            return [(question, NOT_HELPFUL) for question in session.scalars(query)]

    def handoff_figures(self) -> HandoffFigures | None:
        """Handoffs, time to the agent's first reply and how agents used suggestions.

        Read from the tracker store: every conversation with a ``pause`` event, its handoff
        events and its bot messages (agents' messages carry ``metadata.agent``).

        Returns:
            The figures, or None without a tracker store.

        Raises:
            FeedbackUnavailable: The tracker store failed.
        """
        if self._tracker_engine is None:
            return None
        events = table(
            "events", column("id"), column("sender_id"), column("type_name"), column("data")
        )
        handed_off = select(events.c.sender_id).where(events.c.type_name == PAUSE).distinct()
        query = (
            select(events.c.sender_id, events.c.data)
            .where(
                events.c.sender_id.in_(handed_off),
                events.c.type_name.in_(HANDOFF_EVENTS + ("bot",)),
            )
            .order_by(events.c.sender_id, events.c.id)
        )
        figures = HandoffFigures()
        with translate_db_errors("tracker store", FeedbackUnavailable), self._tracker_engine.connect() as connection:
            if not inspect(connection).has_table("events"):
                return figures
            rows = connection.execute(query).all()
        by_sender: dict[str, list] = defaultdict(list)
        for sender_id, data in rows:
            try:
                by_sender[sender_id].append(json.loads(data))
            except (TypeError, ValueError):
                continue
        for conversation in by_sender.values():
            figures.add(conversation)
        return figures

    def _fallback_messages(self) -> list[tuple[str, str]]:
        if self._tracker_engine is None:
            return []
        events = table("events", column("type_name"), column("intent_name"), column("data"))
        query = select(events.c.intent_name, events.c.data).where(
            events.c.type_name == "user", events.c.intent_name.in_(UNANSWERED_INTENTS)
        )
        with translate_db_errors("tracker store", FeedbackUnavailable), self._tracker_engine.connect() as connection:
            # Rasa creates the table when it first starts; before that there is nothing to read.
            if not inspect(connection).has_table("events"):
                return []
            rows = connection.execute(query).all()
        messages = []
        for intent, data in rows:
            try:
                text = json.loads(data).get("text")
            except (TypeError, ValueError, AttributeError):
                continue
            if isinstance(text, str):
                messages.append((text, intent))
        return messages
