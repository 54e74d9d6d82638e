"""What every web channel does to a user message before Rasa sees it (REST, socket.io).

1. Personal data is masked (``bot.core.pii``): the masked text is what Rasa, the tracker store,
   the logs, feedback and reports get; the user is told, in their language, what was hidden.
2. Typed ``/intent{...}`` commands are screened (``bot.core.commands``) against the buttons the
   bot offered in this conversation (the stored tracker), with slot values checked against the
   rules database and the lexicon.
3. ``/restart`` and ``/session_start`` start over: the channel renders ``utter_start_over``
   naming the details that are forgotten (from the stored tracker), then hands Rasa
   ``/restart``, whose own reset sends nothing (the reply used to be "part of the assistant is
   unavailable").
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from bot.channels.http import ANSWER_KEY
from bot.channels.safety import language_slots, render, stored_tracker
from bot.core import commands, pii
from bot.core.channel_messages import channel_text
from bot.core.details import DETAIL_ENTITIES, PROVINCE
from bot.nlu.language import detect_language
from bot.rules.repository import RulesRepository
from bot.stores.db import DatabaseUnavailable

logger = logging.getLogger(__name__)

RESTART_TEXT = "/restart"
START_OVER = "utter_start_over"
START_OVER_NOTHING = "utter_start_over_nothing"

_repository: Optional[RulesRepository] = None


def _rules() -> RulesRepository:
    global _repository
    if _repository is None:
        _repository = RulesRepository()
    return _repository


async def _province_keys() -> List[Text]:
    """Province keys of the rules database; none when it is down (a detail payload then fails)."""
    try:
        return [p.key for p in await asyncio.to_thread(_rules().provinces)]
    except DatabaseUnavailable:
        logger.warning("Rules database unavailable: typed detail payloads are read as text")
        return []


def offered_payloads(tracker: Any) -> List[Text]:
    """Payloads of every button the bot offered in the tracker's (latest session) events."""
    payloads = []
    for event in getattr(tracker, "events", None) or []:
        data = getattr(event, "data", None)
        if getattr(event, "type_name", None) != "bot" or not isinstance(data, dict):
            continue
        for button in data.get("buttons") or []:
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                payloads.append(button["payload"])
    return payloads


@dataclass
class Screened:
    """A user message made safe to hand to Rasa.

    Attributes:
        text: What Rasa gets.
        notes: Messages for the user before the answer (what personal data was hidden).
        restart: The user asked to start over: send :func:`start_over`'s messages, then run
            ``text`` (``/restart``).
    """

    text: Text
    notes: List[Text] = field(default_factory=list)
    restart: bool = False


async def screen(agent: Any, sender_id: Text, text: Text) -> Screened:
    """Masks personal data and screens commands (see the module doc).

    Args:
        agent: The running agent, for the stored tracker (None before the model is loaded).
        sender_id: The conversation.
        text: The cleaned user message (not empty).
    """
    masked = pii.mask(text)
    notes = [pii.note(masked.kinds, detect_language(text))] if masked.changed else []
    if masked.changed:
        logger.info("Masked %s in a message of %s", ", ".join(masked.kinds), sender_id)
    text = masked.text
    if not text.startswith(commands.PREFIX):
        return Screened(text, notes)
    tracker = await stored_tracker(agent, sender_id) if agent is not None else None
    provinces = await _province_keys() if "{" in text else []
    screened = commands.screen(text, offered_payloads(tracker), provinces)
    if screened.decision == commands.RESTART:
        return Screened(RESTART_TEXT, notes, restart=True)
    if screened.decision == commands.TEXT:
        logger.info("A typed command of %s is read as text", sender_id)
    return Screened(screened.text, notes)


async def _forgotten(slots: Dict[Text, Any], language: Text) -> List[Text]:
    parts = []
    for name in DETAIL_ENTITIES:
        value = slots.get(name)
        if not value:
            continue
        if name == PROVINCE:
            try:
                province = await asyncio.to_thread(_rules().province, value)
            except DatabaseUnavailable:
                province = None
            shown = (province.name_zh if language == "zh" else province.name_en) if province else value
        else:
            try:
                shown = channel_text(f"detail_value_{value}", language)
            except KeyError:  # a value with no text of its own: shown as it is, never a 500
                shown = str(value)
        parts.append(channel_text(f"forgotten_{name}", language, value=shown))
    return parts


async def start_over(agent: Any, sender_id: Text, channel: Text) -> List[Dict[Text, Any]]:
    """The reply to a typed ``/restart``: what the bot forgets, in the user's language.

    Rendered before the restart runs, from the stored tracker; empty without an agent (the
    channel's never-silent reply covers that). Each message names its response in
    ``utter_action``.
    """
    if agent is None or getattr(agent, "nlg", None) is None:
        return []
    tracker = await stored_tracker(agent, sender_id)
    slots = language_slots(tracker, None)
    language = slots.get("language") if slots.get("language") in ("en", "zh") else "en"
    forgotten = await _forgotten(slots, language)
    separator = "；" if language == "zh" else "; "
    response = START_OVER if forgotten else START_OVER_NOTHING
    slots = {**slots, "language": language, "forgotten": separator.join(forgotten)}
    # utter_action names the response, as Rasa does for its own (the widget rates answers by it).
    return [
        {**message, ANSWER_KEY: response}
        for message in render(agent, [response], slots, sender_id, channel)
    ]


def note_messages(notes: List[Text], sender_id: Text) -> List[Dict[Text, Any]]:
    """The notes as bot messages."""
    return [{"recipient_id": sender_id, "text": text} for text in notes]

