"""Never-silent replies shared by the channels.

Rasa 3.6 answers nothing at all when a custom action fails (action server down, timeout) or
when message handling raises: the REST channel returns ``[]`` and socketio sends nothing.
``ensure_reply`` fills that gap: when a turn produced no message, it renders, in the user's
language, an apology followed by the general answer to the user's question (the topic's
``general`` response from data/topics.yml). Rendering uses the domain's own responses through
the agent's NLG, so the text stays in domain/ like every other answer.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from bot.core.channel_messages import channel_text
from bot.core.compound import general_responses
from bot.core.topics import load_topics
from bot.nlu.language import detect_language

logger = logging.getLogger(__name__)

APOLOGY = "utter_service_unavailable"
DEFAULT_ANSWER = "utter_default"

# C0/C1 control characters except tab and newline; they break terminals, logs and (NUL)
# PostgreSQL text columns, and carry no meaning for the assistant.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: Text) -> Text:
    """Removes control characters and lone surrogates, and trims whitespace."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL_CHARS.sub(" ", text).strip()


async def stored_tracker(agent: Any, sender_id: Text) -> Any:
    """The stored tracker, or None when there is none or the tracker store is unreachable."""
    try:
        return await agent.tracker_store.retrieve(sender_id)
    except Exception:  # the store being down is one of the faults we must survive
        logger.exception("Tracker store unavailable while building a fallback reply")
        return None


#: What a rendered domain response brings to a channel message. The rest of it only chooses
#: among its variations (``condition``, ``channel``): the variation chosen for a Chinese speaker
#: must not arrive with its selector.
MESSAGE_KEYS = ("text", "buttons", "image", "custom", "attachment")


def as_message(generated: Dict[Text, Any]) -> Dict[Text, Any]:
    """The parts of a rendered domain response that belong in a channel message."""
    return {k: v for k, v in generated.items() if v and k in MESSAGE_KEYS}


def render(
    agent: Any,
    responses: List[Text],
    slots: Dict[Text, Any],
    recipient_id: Text,
    channel: Text,
) -> List[Dict[Text, Any]]:
    """Renders domain responses to channel messages with the given slot values (:func:`as_message`)."""
    messages = []
    for name in responses:
        generated = agent.nlg.generate_from_slots(name, slots, channel)
        if generated:
            message = {"recipient_id": recipient_id}
            message.update(as_message(generated))
            messages.append(message)
    return messages


def language_slots(tracker: Any, text: Optional[Text]) -> Dict[Text, Any]:
    """Slots for rendering a reply: the stored ones, with the language of ``text`` on top."""
    slots = tracker.current_slot_values() if tracker else {}
    language = detect_language(text or "")
    if language:
        slots["language"] = language
    return slots


async def parse_of_turn(agent: Any, tracker: Any, text: Optional[Text]) -> Dict[Text, Any]:
    """The parse data of the user's message of this turn ({} when it cannot be had).

    When the turn failed before its message was stored (lock, tracker store), the stored
    tracker still ends with the previous message, whose intent would pick the wrong topic; the
    message is then parsed again (NLU only, nothing is stored).
    """
    if tracker is not None and tracker.latest_message.text == text:
        latest = tracker.latest_message
        return dict(getattr(latest, "parse_data", None) or {"intent": latest.intent or {}})
    if not text:
        return {}
    try:
        return dict(await agent.parse_message(text) or {})
    except Exception:  # NLU itself failing must not turn the apology into silence
        logger.exception("Could not parse the message of a failed turn")
        return {}


async def intent_of_turn(agent: Any, tracker: Any, text: Optional[Text]) -> Optional[Text]:
    """The intent of the user's message of this turn (see :func:`parse_of_turn`)."""
    parsed = await parse_of_turn(agent, tracker, text)
    return (parsed.get("intent") or {}).get("name")


def channel_message(key: Text, text: Optional[Text]) -> Text:
    """A reply of ``data/channel_messages.yml`` in the language of ``text``.

    Args:
        key: The message's key in the file.
        text: The user's message; when its language is unknown, every language is sent.
    """
    return channel_text(key, detect_language(text or ""))


async def ensure_reply(
    agent: Any,
    sender_id: Text,
    text: Optional[Text],
    messages: List[Dict[Text, Any]],
    channel: Text,
) -> List[Dict[Text, Any]]:
    """Returns ``messages``, or an apology plus general guidance when there are none.

    Args:
        agent: The running Rasa agent (``app.ctx.agent``).
        sender_id: Conversation id.
        text: The user's message (used for its language when the tracker has none).
        messages: What the turn produced.
        channel: Output channel name, for channel-specific response variations.
    """
    if messages:
        return messages
    if agent is None or getattr(agent, "nlg", None) is None:
        return [{"recipient_id": sender_id, "text": channel_message("starting_up", text)}]
    tracker = await stored_tracker(agent, sender_id)
    if tracker is not None and tracker.is_paused():
        # Handed to a human agent: the user was told to keep typing, and the agent answers.
        return []
    parsed = await parse_of_turn(agent, tracker, text)
    intent = (parsed.get("intent") or {}).get("name")
    # A compound message gets the general answer of each of its questions.
    generals = general_responses(parsed, load_topics()) or [DEFAULT_ANSWER]
    slots = language_slots(tracker, text)
    logger.warning("Turn of %s produced no reply (intent %s); sending %s", sender_id, intent, generals)
    return render(agent, [APOLOGY, *generals], slots, sender_id, channel)
