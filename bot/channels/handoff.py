"""The Rasa side of handoffs: the queue over the running agent's tracker store, and messages
into a user's chat outside a turn (an agent's reply, "an agent has joined", "nobody is free").

Every message sent here is first recorded in the conversation (a ``BotUttered``, under the
conversation's lock, so it never interleaves with a turn), then pushed to the user's channel
when it can push (``bot/channels/push.py``).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional, Text

from rasa.shared.core.events import BotUttered, Event
from sqlalchemy.engine import Engine

from bot.channels import push
from bot.channels.safety import as_message, stored_tracker
from bot.core.handoff import NOTICE_KEY
from bot.stores.db import get_engine
from bot.stores.handoff import HandoffStore

logger = logging.getLogger(__name__)

#: Channel name used to render responses (no channel-specific variations).
RENDER_CHANNEL = "agent"


def tracker_engine(tracker_store: Any) -> Optional[Engine]:
    """The SQL engine under Rasa's (possibly wrapped) tracker store, None when it is not SQL."""
    store = tracker_store
    # FailSafeTrackerStore / AwaitableTrackerStore keep the real store in _tracker_store.
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return getattr(store, "engine", None)


class HandoffQueue:
    """The handoff store of the running agent, created on first use."""

    def __init__(self, store: Optional[HandoffStore] = None) -> None:
        """Creates the queue; ``store`` replaces the one built from the agent (tests)."""
        self._store = store

    def store(self, agent: Any) -> HandoffStore:
        """The store: claims in the rules database, queue in the agent's tracker store."""
        if self._store is None:
            self._store = HandoffStore(get_engine(), tracker_engine(agent.tracker_store))
        return self._store

    async def call(self, agent: Any, method: Text, *args: Any) -> Any:
        """Runs a (blocking, SQL) store method in a thread."""
        return await asyncio.to_thread(getattr(self.store(agent), method), *args)


def event_dicts(tracker: Any) -> List[Dict[Text, Any]]:
    """The tracker's events as Rasa's JSON dictionaries."""
    return [event.as_dict() for event in tracker.events] if tracker else []


def render(
    agent: Any, response: Text, slots: Mapping[Text, Any], **values: Any
) -> List[Dict[Text, Any]]:
    """A domain response rendered for ``slots`` (the user's language), as channel messages."""
    generated = agent.nlg.generate_from_slots(response, dict(slots), RENDER_CHANNEL, **values)
    if not generated:
        return []
    return [as_message(generated)]


async def send(
    agent: Any,
    sender_id: Text,
    messages: Iterable[Mapping[Text, Any]],
    metadata: Mapping[Text, Any],
    events_before: Iterable[Event] = (),
    events_after: Iterable[Event] = (),
) -> bool:
    """Records ``messages`` as bot messages of the conversation, then pushes them to the user.

    Args:
        agent: The running Rasa agent.
        sender_id: The conversation.
        messages: Channel messages (``text``, ``buttons``).
        metadata: Stored with every message (``agent``, ``suggestion``, ``handoff``...).
        events_before: Events recorded before the messages (``ConversationResumed``).
        events_after: Events recorded after them.

    Returns:
        Whether every message reached the user's chat at once (False for channels that cannot
        push: the messages are in the conversation's history either way).
    """
    messages = [dict(m) for m in messages]
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(sender_id)
        for event in events_before:
            tracker.update(event)
        for message in messages:
            data = {k: v for k, v in message.items() if k != "text"}
            tracker.update(BotUttered(message.get("text"), data, dict(metadata)))
        for event in events_after:
            tracker.update(event)
        await agent.tracker_store.save(tracker)
        channel = tracker.get_latest_input_channel()
    delivered = True
    for message in messages:
        delivered = await push.push(channel, sender_id, message) and delivered
    return delivered


async def notify(
    agent: Any,
    sender_id: Text,
    response: Text,
    kind: Text,
    events_before: Iterable[Event] = (),
    events_after: Iterable[Event] = (),
    extra: Iterable[Mapping[Text, Any]] = (),
) -> bool:
    """Tells the user about the handoff (``utter_handoff_*``) in their language.

    Args:
        agent: The running Rasa agent.
        sender_id: The conversation.
        response: The domain response.
        kind: What happened (``joined``, ``released``, ``timeout``, ``offer``), stored as
            ``metadata.handoff``.
        events_before, events_after: Recorded around the message (see :func:`send`).
        extra: Further messages sent after the response (the bot's best answers).
    """
    tracker = await stored_tracker(agent, sender_id)
    slots = tracker.current_slot_values() if tracker else {}
    messages = render(agent, response, slots) + list(extra)
    return await send(
        agent, sender_id, messages, {NOTICE_KEY: kind}, events_before, events_after
    )
