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
- never returns an empty reply: see ``bot.channels.safety.ensure_reply``;
- masks personal data, reads typed ``/intent{...}`` commands that are not an offered button as
  text and answers ``/restart`` with a start over (``bot.channels.screening``);
- requires ``Authorization: Bearer <REST_TOKEN>`` when ``REST_TOKEN`` is set.

A client that cannot show buttons asks for numbered options with ``?options=numbered``: buttons
come back written into the message text as a numbered list (``bot.core.options``), and a
message that is just one of those numbers, or an option's title, picks that option.

Provenance: a message that answers from the FAQ carries ``source`` (FAQ section, anchor,
official page, ``rules_valid_as_of`` for province answers, and ``line``, the text form); with
``?options=numbered`` (plain text clients) that line also ends the message's text.
"""
from __future__ import annotations

import hmac
import logging
import uuid
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels.http import ANSWER_KEY, RequestError, consistent_http, json_object, refuse
from bot.channels.screening import note_messages, screen, start_over
from bot.core.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, metadata_problem
from bot.server.gate import TooManyPending, configured_pending_cap, pending_cap
from bot.channels.plain import apply_typed_choice, with_numbered_options
from bot.core.sources import message_source
from bot.nlu.language import detect_language
from bot.channels.safety import stored_tracker, clean_text, ensure_reply, language_slots, render

logger = logging.getLogger(__name__)

# ?options=numbered: buttons as numbered text, typed numbers pick options.
OPTIONS_ARG = "options"
NUMBERED = "numbered"
TOKEN_SETTING = "REST_TOKEN"
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="rest"'}


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


def check_token(header: Optional[Text]) -> None:
    """Requires ``Authorization: Bearer <REST_TOKEN>`` when ``REST_TOKEN`` is set.

    The REST channel is for trusted integrations (any sender id, no session proof); public
    sites use the widget. Without ``REST_TOKEN`` it stays open, as before.

    Raises:
        RequestError: 401 when a token is configured and the header does not carry it.
    """
    expected = settings.get(TOKEN_SETTING).strip()
    if not expected:
        return
    scheme, _, presented = (header or "").strip().partition(" ")
    # Constant time, so the token cannot be guessed from response times; bytes, because
    # compare_digest refuses non-ASCII str (Sanic keeps undecodable header bytes as surrogates).
    presented_bytes = presented.strip().encode("utf-8", "surrogateescape")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented_bytes, expected.encode("utf-8")
    ):
        raise RequestError(401, "This endpoint needs 'Authorization: Bearer <REST_TOKEN>'.")


class SourcedCollectingOutputChannel(CollectingOutputChannel):
    """Rasa's collector, plus ``source`` on the last part of every answer that has one.

    The stock collector keeps only text, buttons and media: the response name Rasa puts in each
    message (``utter_action``), which tells where the answer comes from, would be lost.
    """

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Collects the message's parts; the last one gets the message's source."""
        language = detect_language(str(message.get("text") or "")) or "en"
        source = message_source(message, language)
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        if source is not None and len(self.messages) > before:
            self.messages[-1]["source"] = source


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
                check_token(request.headers.get("Authorization"))
                sender, text, metadata = parse_body(request.body or b"")
            except RequestError as e:
                return refuse(request, e, UNAUTHORIZED_HEADERS if e.status == 401 else None)
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

            # Personal data masked, typed commands screened, /restart made a start over.
            screened = await screen(agent, sender, text)
            started_over = [
                {k: v for k, v in m.items() if k != ANSWER_KEY}  # not in REST's reply format
                for m in (await start_over(agent, sender, self.name()) if screened.restart else [])
            ]
            collector = SourcedCollectingOutputChannel()
            message = UserMessage(
                screened.text, collector, sender, input_channel=self.name(), metadata=metadata
            )
            try:
                if numbered and not screened.restart:
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
                agent, sender, message.text, started_over + collector.messages, self.name()
            )
            messages = note_messages(screened.notes, sender) + messages
            return response.json(self._shaped(messages, numbered))

        consistent_http(webhook)  # JSON 404/405 everywhere, no "None" headers
        return webhook

    @staticmethod
    def _shaped(messages: List[Dict[Text, Any]], numbered: bool) -> List[Dict[Text, Any]]:
        """The reply messages, with buttons as numbered text when the client asked for it."""
        if not numbered:
            return messages
        return [with_numbered_options(_with_line(message)) for message in messages]


def _with_line(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """The message with its source line (if any) ending its text, for plain-text clients."""
    source = message.get("source")
    if not source or not message.get("text"):
        return message
    return {**message, "text": f"{message['text']}\n\n{source['line']}"}
