"""Sending a message into a user's chat outside a turn (an agent's reply, a handoff notice).

Channels that can push register here when Rasa builds their routes: the socket.io widget
(``bot/channels/socketio.py``) emits to the conversation's room. A conversation's channel is the
``input_channel`` of its latest user message. Channels that only answer requests (REST) cannot
be pushed to: their users see the agent's messages in the conversation's history.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Optional, Text

logger = logging.getLogger(__name__)

#: Channel name -> a function returning an output channel that can send to any recipient.
_pushers: Dict[Text, Callable[[], Any]] = {}


def register(channel: Text, output_channel: Callable[[], Any]) -> None:
    """Makes ``channel`` reachable outside a turn.

    Args:
        channel: The input channel's name (``UserMessage.input_channel``).
        output_channel: Returns an output channel (``send_response(recipient_id, message)``).
    """
    _pushers[channel] = output_channel


def unregister(channel: Text) -> None:
    """Forgets ``channel`` (tests)."""
    _pushers.pop(channel, None)


async def push(channel: Optional[Text], recipient_id: Text, message: Dict[Text, Any]) -> bool:
    """Sends ``message`` to ``recipient_id`` on ``channel`` now.

    Returns:
        True when sent; False when the channel cannot push or sending failed (logged): the
        message is in the conversation's history either way.
    """
    factory = _pushers.get(channel or "")
    if factory is None:
        return False
    try:
        await factory().send_response(recipient_id, dict(message))
    except Exception:
        logger.exception("Pushing a message to %s on %s failed", recipient_id, channel)
        return False
    return True
