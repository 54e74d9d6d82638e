"""Plain-text form of bot messages, and numbered choices, for places that cannot show buttons.

Some answers end with buttons ("did you mean", follow-up topics). Where buttons are not
rendered (WeChat, SMS-like channels, a REST client that asks for text, a support agent pasting
a suggested reply into an e-mail or a ticket), the options would silently disappear, so they
are appended as a numbered list the reader can answer with (``bot.core.options``), and a reply
of just a number or an option's title is turned back into the option's payload before the turn
runs (``resolve_typed_choice``).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage

from bot.channels.safety import stored_tracker
from bot.core.sources import message_source
from bot.core.options import could_be_choice, last_options, numbered_list, numbered_text, options_of, resolve
from bot.nlu.language import detect_language

logger = logging.getLogger(__name__)

# Metadata key under which the user's own words are kept when they chose an option by typing
# (the tracker then holds the option's payload as the message text).
TYPED_TEXT_KEY = "typed_text"
SECONDS_PER_MINUTE = 60


def button_list(buttons: List[Dict[Text, Any]]) -> Text:
    """Numbers the button titles: ``"1. Title"``, one per line (empty without titles)."""
    return numbered_list(options_of(buttons))


def as_plain_text(message: Dict[Text, Any]) -> Text:
    """Returns the message's text with its buttons appended as a numbered list.

    Args:
        message: A rendered bot message (``text`` and optional ``buttons``), as produced by
            Rasa's NLG or sent to an output channel.

    Returns:
        The text, a blank line and ``"1. Title"`` lines; just one of the two when the other
        is missing; an empty string for a message with neither.
    """
    parts = [str(message.get("text") or "").strip(), button_list(message.get("buttons") or [])]
    return "\n\n".join(part for part in parts if part)


def with_numbered_options(
    message: Dict[Text, Any], default_language: Optional[Text] = None
) -> Dict[Text, Any]:
    """A copy of ``message`` whose buttons are written into its text as numbered options.

    Args:
        message: A bot message as channels send it (``text``, ``buttons``, other keys).
        default_language: Language of the "reply with a number" line when the message's text
            does not tell (None: every language).

    Returns:
        The message unchanged when it has no buttons; else without ``buttons`` and with the
        text, the numbered list and the prompt line in the text's language.
    """
    if not message.get("buttons"):
        return message
    text = str(message.get("text") or "")
    language = detect_language(text) or default_language
    converted = {k: v for k, v in message.items() if k != "buttons"}
    converted["text"] = numbered_text(text, message["buttons"], language)
    return converted


def with_source_line(
    message: Dict[Text, Any], default_language: Optional[Text] = None
) -> Dict[Text, Any]:
    """A copy of ``message`` whose text ends with its source line, when it comes from the FAQ.

    The line names the FAQ section (heading and anchor), the official page and, for province
    answers, the date the rules are valid as of (``bot.core.sources.message_source``).

    Args:
        message: A rendered bot message with ``utter_action`` (as output channels get it).
        default_language: The language when the text does not tell (English otherwise).
    """
    text = str(message.get("text") or "")
    language = detect_language(text) or default_language or "en"
    source = message_source(message, language)
    if source is None or not text:
        return message
    return {**message, "text": f"{text}\n\n{source['line']}"}


def _session_seconds(agent: Any) -> Optional[float]:
    """The domain's session expiration in seconds (None when unknown or never)."""
    try:
        minutes = agent.domain.session_config.session_expiration_time
    except AttributeError:
        return None
    return float(minutes) * SECONDS_PER_MINUTE if minutes else None


def choice_in_tracker(agent: Any, tracker: Any, text: Optional[Text]) -> Optional[Text]:
    """The payload of the option ``text`` picks among those last shown in ``tracker``.

    Args:
        agent: The running agent (for the domain's session expiration), or None.
        tracker: The conversation's stored tracker, or None.
        text: The user's message.

    Returns:
        The payload, or None when the text is no choice (then it is handled as typed).
    """
    if tracker is None or not could_be_choice(text):
        return None
    tail = []
    for event in reversed(tracker.events):
        tail.append(event.as_dict())
        if tail[-1].get("event") in ("user", "session_started"):
            break
    tail.reverse()
    return resolve(text, last_options(tail, now=time.time(), max_age=_session_seconds(agent)))


async def resolve_typed_choice(agent: Any, sender_id: Text, text: Optional[Text]) -> Optional[Text]:
    """The payload of the option ``text`` picks among those last shown to ``sender_id``.

    Reads the conversation's tracker (only for short messages), so every process serving the
    conversation resolves the same way; see ``bot.core.options``.

    Args:
        agent: The running agent (its tracker store and domain), or None.
        sender_id: The conversation id.
        text: The user's message.

    Returns:
        The payload, or None when the text is no choice (then it is handled as typed).
    """
    if agent is None or not could_be_choice(text):
        return None
    return choice_in_tracker(agent, await stored_tracker(agent, sender_id), text)


def pick_choice(message: UserMessage, payload: Optional[Text]) -> None:
    """Makes ``message`` send ``payload`` (if any), keeping the typed words in its metadata."""
    if payload:
        metadata = dict(message.metadata or {})
        metadata[TYPED_TEXT_KEY] = message.text
        message.metadata = metadata
        message.text = payload


async def apply_typed_choice(agent: Any, message: UserMessage) -> None:
    """Replaces the text of ``message`` with the payload it picks, if it picks one.

    The typed words are kept in the message metadata (``typed_text``).
    """
    try:
        payload = await resolve_typed_choice(agent, message.sender_id, message.text)
    except Exception:  # resolving is a convenience: the message still goes through as typed
        logger.exception("Could not resolve a typed choice of %s", message.sender_id)
        return
    pick_choice(message, payload)


def resolving_typed_choices(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    agent_of: Callable[[], Any],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps a channel's ``on_new_message`` so typed numbers and titles pick options.

    Args:
        on_new_message: Rasa's handler given to the channel's blueprint.
        agent_of: Returns the current agent (the server can replace it while running).
    """

    async def handle(message: UserMessage) -> Any:
        await apply_typed_choice(agent_of(), message)
        return await on_new_message(message)

    return handle
