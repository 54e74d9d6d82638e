"""A hardened REST channel, served at POST /webhooks/rest/webhook.

Rasa 3.6's stock ``RestInput`` answers 500 to an empty or non-object body, ``[]`` (silence)
when handling fails, accepts any sender id (and shares the id "default" between everyone who
omits it), and passes control characters and arbitrarily long texts to NLU. This channel keeps
the stock request and response format but:

- rejects malformed requests with a 4xx and a JSON ``{"error": ...}`` message: invalid JSON or
  UTF-8, a body nested deeper than ``MAX_JSON_DEPTH`` or that is not an object, wrong field
  types, a sender id over ``MAX_SENDER_CHARS``, metadata over ``MAX_METADATA_BYTES`` or
  ``MAX_METADATA_DEPTH``, a body over ``MAX_BODY_BYTES`` (413); one log line each;
- answers 429 with Retry-After when the sender already has ``MAX_PENDING_PER_SENDER`` turns
  queued or running (``bot.server.gate``: its turns run one at a time, in order);
- gives a conversation of its own to a request without a sender id (the id is returned as
  ``recipient_id``);
- answers an empty/whitespace message or one over ``MAX_MESSAGE_CHARS`` with a helpful
  message from the domain instead of running NLU on it;
- strips control characters;
- never returns an empty reply: see ``bot.channels.safety.ensure_reply``.

A client that cannot show buttons asks for numbered options with ``?options=numbered``: buttons
come back written into the message text as a numbered list (``bot.core.options``), and a
message that is just one of those numbers, or an option's title, picks that option.
"""
from __future__ import annotations

import logging
import uuid
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import RequestError, consistent_http, json_object, refuse
from bot.core.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, metadata_problem
from bot.server.gate import TooManyPending, configured_pending_cap, pending_cap
from bot.channels.plain import apply_typed_choice, with_numbered_options
from bot.channels.safety import stored_tracker, clean_text, ensure_reply, language_slots, render

logger = logging.getLogger(__name__)

# ?options=numbered: buttons as numbered text, typed numbers pick options.
OPTIONS_ARG = "options"
NUMBERED = "numbered"


def parse_body(raw: bytes) -> Tuple[Optional[Text], Text, Dict[Text, Any]]:
    """Validates a webhook body.

    Returns:
        The sender id (None when absent), the cleaned message text and the metadata.

    Raises:
        RequestError: the body is too large, not UTF-8, not JSON, not an object, or has
            fields of the wrong type.
    """
    body = json_object(raw, '{"sender": "...", "message": "..."}')
    sender = body.get("sender")
    if sender is not None:
        if not isinstance(sender, (str, int)) or isinstance(sender, bool):
            raise RequestError(400, "'sender' must be a string.")
        sender = clean_text(str(sender))
        if len(sender) > MAX_SENDER_CHARS:
            raise RequestError(400, f"'sender' must be at most {MAX_SENDER_CHARS} characters.")
        sender = sender or None
    message = body.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise RequestError(400, "'message' must be a string.")
    metadata = body.get("metadata") or {}
    problem = metadata_problem(metadata)
    if problem:
        raise RequestError(400, problem)
    return sender, clean_text(message), metadata


class HardenedRestInput(InputChannel):
    """Drop-in replacement for Rasa's ``rest`` channel (same URL and JSON format)."""

    @classmethod
    def name(cls) -> Text:
        """Channel name; also the URL prefix /webhooks/rest/."""
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The channel's routes."""
        webhook = Blueprint("hardened_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request.body or b"")
            except RequestError as e:
                return refuse(request, e)
            sender = sender or uuid.uuid4().hex
            agent = getattr(request.app.ctx, "agent", None)
            numbered = request.args.get(OPTIONS_ARG) == NUMBERED

            if not text or len(text) > MAX_MESSAGE_CHARS:
                # Nothing to understand (or far more than one question): answer with guidance
                # instead of spending NLU time on it.
                tracker = await stored_tracker(agent, sender) if agent else None
                reply = "utter_empty_message" if not text else "utter_message_too_long"
                slots = language_slots(tracker, text[:MAX_MESSAGE_CHARS])
                messages = render(agent, [reply], slots, sender, self.name()) if agent else []
                messages = await ensure_reply(agent, sender, text, messages, self.name())
                return response.json(self._shaped(messages, numbered))

            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=metadata
            )
            try:
                if numbered:
                    await apply_typed_choice(agent, message)
                # Read by the turn gate when it queues this turn (no await in between).
                pending_cap.set(configured_pending_cap())
                await on_new_message(message)
            except TooManyPending as e:
                return refuse(
                    request,
                    RequestError(
                        429,
                        f"Too many messages at once: {e.pending} of this conversation are "
                        "still being answered. Wait for their answers, then send this again.",
                    ),
                    {"Retry-After": str(e.retry_after)},
                )
            except CancelledError:
                logger.error("Handling a message of %s timed out", sender)
            except Exception:
                logger.exception("Handling a message of %s failed", sender)
            # message.text: the payload when a typed number picked an option.
            messages = await ensure_reply(
                agent, sender, message.text, collector.messages, self.name()
            )
            return response.json(self._shaped(messages, numbered))

        consistent_http(webhook)  # JSON 404/405 everywhere, no "None" headers
        return webhook

    @staticmethod
    def _shaped(messages: List[Dict[Text, Any]], numbered: bool) -> List[Dict[Text, Any]]:
        """The reply messages, with buttons as numbered text when the client asked for it."""
        if not numbered:
            return messages
        return [with_numbered_options(message) for message in messages]
