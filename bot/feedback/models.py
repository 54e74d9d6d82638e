"""SQL schema of the answer feedback store.

The table lives in the rules database (``RULES_DB_URL``) but has a metadata of its own, so loading
the province rules never touches it and it is created on first use, not by the rules loader.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot.core.limits import MAX_ANSWER_KEY_CHARS, MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from sqlalchemy import CheckConstraint, Column, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base

RATINGS: tuple[str, ...] = ("helpful", "not_helpful")
LANGUAGES: tuple[str, ...] = ("en", "zh")
# "chat": an applicant rated an answer on the help page; "agent": a support agent rated it.
SOURCES: tuple[str, ...] = ("chat", "agent")

# A rated question is a user message: at most what the channels pass to the bot.
MAX_QUESTION_CHARS = MAX_MESSAGE_CHARS

Base = declarative_base()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Feedback(Base):
    """One rating of one bot answer."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_in("rating", RATINGS), name="ck_feedback_rating"),
        CheckConstraint(_in("language", LANGUAGES), name="ck_feedback_language"),
        CheckConstraint(_in("source", SOURCES), name="ck_feedback_source"),
    )

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utc_now)
    sender_id = Column(String(MAX_SENDER_CHARS), nullable=False)
    question = Column(Text, nullable=False)
    answer_key = Column(String(MAX_ANSWER_KEY_CHARS), nullable=False, index=True)
    language = Column(String(8), nullable=False)
    rating = Column(String(16), nullable=False)
    source = Column(String(16), nullable=False)
