"""Handing a conversation to a human agent: the state of a handoff, read from the conversation.

A handoff is Rasa's own ``ConversationPaused`` event (``pause``): while it is the latest of
``pause`` / ``resume`` / ``session_started`` / ``restart``, the bot records what the user types
and predicts nothing. ``ConversationResumed`` (``resume``) gives the conversation back to the
bot. So the queue is derived from the tracker store and survives restarts; which agent holds a
handoff (the claim) and whether its timeout was announced live in the ``handoff_claims`` table
(``bot/stores/handoff.py``), keyed by the conversation and the pause's timestamp.

Everything here works on Rasa's event dictionaries (``{"event": "user", "timestamp": ...}``) and
imports nothing from Rasa.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Text, Tuple

from bot.core.details import DETAIL_ENTITIES

#: Events that start (``pause``) or end a handoff.
PAUSE, RESUME = "pause", "resume"
ENDS_HANDOFF = (RESUME, "session_started", "restart")
HANDOFF_EVENTS = (PAUSE,) + ENDS_HANDOFF

WAITING, ACTIVE = "waiting", "active"
STATUSES = (WAITING, ACTIVE, "all")

#: Metadata keys of the bot messages an agent sent (``BotUttered.metadata``).
AGENT_KEY = "agent"
SUGGESTION_KEY = "suggestion"
EDITED_KEY = "edited"
#: Metadata key of the messages the handoff itself sent (``joined``, ``released``, ``timeout``).
NOTICE_KEY = "handoff"

#: User intents that mean the bot did not answer the question.
UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope", "icp_other")
FALLBACK_INTENT = "nlu_fallback"


def claim_key(paused_at: float) -> Text:
    """The key of one handoff of a conversation: its pause's timestamp, to the microsecond.

    A string, because float equality does not survive every SQL dialect.
    """
    return f"{paused_at:.6f}"


def paused_since(events: Sequence[Mapping[Text, Any]]) -> Optional[float]:
    """When the conversation's current handoff began, or None when the bot is in charge.

    Args:
        events: The conversation's events, oldest first.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == PAUSE:
            return float(event.get("timestamp") or 0.0)
        if kind in ENDS_HANDOFF:
            return None
    return None


def last_fallback_streak(events: Sequence[Mapping[Text, Any]]) -> int:
    """How many of the latest user messages in a row the bot did not understand.

    Args:
        events: The conversation's events, oldest first (the current message included).
    """
    streak = 0
    for event in reversed(events):
        if event.get("event") in ENDS_HANDOFF:
            break
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        streak += 1
    return streak


def queue_position(sender_id: Text, waiting: Iterable[Tuple[Text, float]]) -> int:
    """The 1-based place of ``sender_id`` among the waiting conversations.

    Args:
        sender_id: The conversation.
        waiting: ``(sender_id, waiting since)`` of every waiting conversation; ``sender_id``
            itself may be missing (its pause is not stored yet), then it is last.
    """
    since = dict(waiting)
    mine = since.pop(sender_id, None)
    if mine is None:
        return len(since) + 1
    return 1 + sum(1 for other in since.values() if other < mine)


def timed_out(waiting_since: float, now: float, timeout: float) -> bool:
    """Whether a handoff has waited for an agent longer than ``timeout`` seconds."""
    return now - waiting_since >= timeout


def _intent(event: Mapping[Text, Any]) -> Optional[Text]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


@dataclass
class Context:
    """What an agent should know before answering: from the conversation's events."""

    language: Text = "en"
    details: Dict[Text, Any] = field(default_factory=dict)
    topics: List[Text] = field(default_factory=list)
    unanswered: List[Text] = field(default_factory=list)
    last_user_text: Optional[Text] = None

    def as_json(self) -> Dict[Text, Any]:
        """The context as the agent API sends it."""
        return {
            "language": self.language,
            "details": dict(self.details),
            "topics": list(self.topics),
            "unanswered": list(self.unanswered),
        }


def context(events: Sequence[Mapping[Text, Any]], topics: Iterable[Text]) -> Context:
    """The conversation's language, details, topics asked and questions the bot did not answer.

    Args:
        events: The conversation's events, oldest first.
        topics: The answerable intents (``data/topics.yml``).
    """
    answerable = set(topics)
    result = Context(details={name: None for name in DETAIL_ENTITIES})
    for event in events:
        kind = event.get("event")
        if kind == "slot":
            name = event.get("name")
            if name == "language" and event.get("value") in ("en", "zh"):
                result.language = event["value"]
            elif name in result.details:
                result.details[name] = event.get("value")
        elif kind == "user":
            text = event.get("text") or ""
            intent = _intent(event)
            if text and not text.startswith("/"):
                result.last_user_text = text
            if intent in answerable and intent not in result.topics:
                result.topics.append(intent)
            elif intent in UNANSWERED_INTENTS and text and not text.startswith("/"):
                result.unanswered.append(text)
    return result


def transcript(events: Sequence[Mapping[Text, Any]]) -> List[Dict[Text, Any]]:
    """The messages of a conversation, for an agent: who, what, when.

    Args:
        events: The conversation's events, oldest first.

    Returns:
        ``{"type": "user"|"bot"|"agent"|"handoff", "text", "timestamp"}`` (and ``agent`` for
        agent messages) in order; buttons of bot messages are listed by title.
    """
    messages: List[Dict[Text, Any]] = []
    for event in events:
        kind = event.get("event")
        stamp = event.get("timestamp")
        if kind == "user":
            messages.append({"type": "user", "text": event.get("text") or "", "timestamp": stamp})
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            data = event.get("data") or {}
            entry: Dict[Text, Any] = {"type": "bot", "text": event.get("text") or "", "timestamp": stamp}
            if metadata.get(AGENT_KEY):
                entry.update(type="agent", agent=metadata[AGENT_KEY])
            elif metadata.get(NOTICE_KEY):
                entry["notice"] = metadata[NOTICE_KEY]
            buttons = [b.get("title") for b in data.get("buttons") or [] if b.get("title")]
            if buttons:
                entry["buttons"] = buttons
            messages.append(entry)
        elif kind in (PAUSE, RESUME):
            messages.append({"type": "handoff", "text": kind, "timestamp": stamp})
    return messages


def same_text(sent: Text, suggested: Text) -> bool:
    """Whether an agent sent a suggestion unchanged (whitespace aside)."""
    return " ".join(sent.split()) == " ".join(suggested.split())


@dataclass
class HandoffFigures:
    """How handoffs went: for the team's report."""

    handoffs: int = 0
    claimed: int = 0
    first_reply_seconds: List[float] = field(default_factory=list)
    as_is: int = 0
    edited: int = 0
    unused: int = 0

    def add(self, events: Sequence[Mapping[Text, Any]]) -> None:
        """Adds one conversation's handoffs.

        Args:
            events: The conversation's events, oldest first.
        """
        waiting_since: Optional[float] = None
        for event in events:
            kind = event.get("event")
            if kind == PAUSE:
                self.handoffs += 1
                waiting_since = float(event.get("timestamp") or 0.0)
            elif kind in ENDS_HANDOFF:
                waiting_since = None
            elif kind == "bot":
                metadata = event.get("metadata") or {}
                if not metadata.get(AGENT_KEY):
                    continue
                if waiting_since is not None:
                    self.claimed += 1
                    self.first_reply_seconds.append(float(event["timestamp"]) - waiting_since)
                    waiting_since = None
                if not metadata.get(SUGGESTION_KEY):
                    self.unused += 1
                elif metadata.get(EDITED_KEY):
                    self.edited += 1
                else:
                    self.as_is += 1

    @property
    def median_first_reply(self) -> Optional[float]:
        """Median seconds from the handoff to the agent's first message, None without any."""
        values = sorted(self.first_reply_seconds)
        if not values:
            return None
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
