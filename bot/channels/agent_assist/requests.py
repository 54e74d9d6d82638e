"""Parsing and validating the agent assist API's request bodies (400/413 with a clear message)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Text

from bot.channels.http import RequestError, json_object
from bot.channels.safety import clean_text
from bot.core.limits import MAX_MESSAGE_CHARS as MAX_TEXT_CHARS
from bot.core.limits import MAX_SENDER_CHARS
from bot.core.topics import Topic
from bot.nlu.language import detect_language

MIN_K, MAX_K, DEFAULT_K = 1, 10, 3
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class SuggestRequest:
    """A valid ``/suggest`` body."""

    text: Text
    sender_id: Optional[Text]
    k: int


@dataclass(frozen=True)
class ChosenRequest:
    """A valid ``/chosen`` body."""

    text: Text
    intent: Text
    language: Text
    sender_id: Optional[Text]


def text_field(body: Mapping[Text, Any], what: Text, empty: Text, max_chars: int) -> Text:
    """The request's ``text``: a non-empty string of at most ``max_chars`` characters, cleaned.

    Args:
        body: The decoded request body.
        what: What the text is, for the "required" message ("the customer's message").
        empty: What to say when it is empty ("paste the customer's message").
        max_chars: The longest accepted text.

    Raises:
        RequestError: 400 saying what is wrong.
    """
    value = body.get("text")
    if value is None:
        raise RequestError(400, f"'text' ({what}) is required.")
    if not isinstance(value, str):
        raise RequestError(400, "'text' must be a string.")
    text = clean_text(value)
    if not text:
        raise RequestError(400, f"'text' is empty: {empty}.")
    if len(text) > max_chars:
        raise RequestError(400, f"'text' must be at most {max_chars} characters.")
    return text


def _text(body: Mapping[Text, Any]) -> Text:
    return text_field(body, "the customer's message", "paste the customer's message", MAX_TEXT_CHARS)


def _sender_id(body: Mapping[Text, Any]) -> Optional[Text]:
    value = body.get("sender_id")
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(400, "'sender_id' must be a string.")
    sender_id = clean_text(value)
    if len(sender_id) > MAX_SENDER_CHARS:
        raise RequestError(400, f"'sender_id' must be at most {MAX_SENDER_CHARS} characters.")
    return sender_id or None


def parse_suggest(raw: bytes) -> SuggestRequest:
    """Validates a ``/suggest`` body.

    Raises:
        RequestError: 413 or 400 with a message saying what is wrong.
    """
    body = json_object(raw, '{"text": "...", "sender_id": "...", "k": 3}')
    k = body.get("k", DEFAULT_K)
    # bool is an int in Python, but `true` is not a number of suggestions.
    if not isinstance(k, int) or isinstance(k, bool) or not MIN_K <= k <= MAX_K:
        raise RequestError(400, f"'k' must be an integer from {MIN_K} to {MAX_K}.")
    return SuggestRequest(text=_text(body), sender_id=_sender_id(body), k=k)


def parse_chosen(raw: bytes, topics: Mapping[Text, Topic]) -> ChosenRequest:
    """Validates a ``/chosen`` body.

    Args:
        raw: The request body.
        topics: The answerable intents; ``intent`` must be one of them.

    Raises:
        RequestError: 413 or 400 with a message saying what is wrong.
    """
    body = json_object(
        raw, '{"sender_id": "...", "text": "...", "intent": "...", "language": "en"}'
    )
    text = _text(body)
    intent = body.get("intent")
    if not isinstance(intent, str) or intent not in topics:
        raise RequestError(400, "'intent' must be the intent of a suggestion.")
    language = body.get("language")
    if language is None:
        language = detect_language(text) or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise RequestError(400, f"'language' must be one of: {', '.join(LANGUAGES)}.")
    return ChosenRequest(text=text, intent=intent, language=language, sender_id=_sender_id(body))
