"""Handing the conversation to a human agent: pause the bot, tell the user their place in the queue.

The queue itself is derived from the tracker store (``bot/stores/handoff.py``); this action only
adds Rasa's ``ConversationPaused``, after which Rasa records what the user types without
answering, until an agent releases the conversation (``ConversationResumed``).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import settings
from bot.core.handoff import queue_position
from bot.feedback.repository import open_tracker_engine
from bot.stores.db import DatabaseUnavailable, get_engine
from bot.stores.handoff import HandoffStore

logger = logging.getLogger(__name__)

_default_store: Optional[HandoffStore] = None


def default_store() -> HandoffStore:
    """The process-wide store: claims in ``RULES_DB_URL``, queue in ``TRACKER_DB_URL``."""
    global _default_store
    if _default_store is None:
        _default_store = HandoffStore(get_engine(), open_tracker_engine(settings.get("TRACKER_DB_URL")))
    return _default_store


class ActionHandoff(Action):
    """Pauses the bot for this conversation and tells the user an agent will join."""

    def __init__(self, store: Optional[Callable[[], HandoffStore]] = None) -> None:
        """Creates the action; ``store`` returns the handoff store (the process-wide one)."""
        self._store = store or default_store

    def name(self) -> Text:
        """Action name."""
        return "action_handoff"

    def _position(self, sender_id: Text) -> Optional[int]:
        try:
            return queue_position(sender_id, self._store().waiting())
        except DatabaseUnavailable:
            logger.exception("Handoff queue unavailable; handing off without a queue position")
            return None

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Tells the user their place in the queue (when known) and pauses the bot."""
        # The queue is read with blocking SQL: off the action server's event loop.
        position = await asyncio.to_thread(self._position, tracker.sender_id)
        if position is None:
            dispatcher.utter_message(response="utter_human_handoff")
        else:
            dispatcher.utter_message(response="utter_handoff_queued", position=position)
        return [ConversationPaused()]
