"""Socket.IO channel for the help page's chat widget (rasa-webchat), on the Rasa port.

Configured in credentials.yml by class path (``bot.channels.socketio.SafeSocketIOInput:``) with
the stock ``socketio`` options; its name stays ``socketio``. It keeps the events, payloads and
session handling of Rasa 3.6's ``SocketIOInput`` (the widget's ``session_id`` is the
conversation id, and with ``session_persistence`` the room its replies go to), wraps the stock
message handling instead of copying it, and:

- fixes session persistence: the stock ``session_request`` handler does not await
  ``enter_room``, a coroutine in python-socketio 5, so the widget never got a reply;
- applies the REST channel's input rules: control characters stripped, an empty message or one
  over ``MAX_MESSAGE_CHARS`` answered with a domain response instead of running NLU on it, and
  payloads of the wrong shape coerced instead of failing silently;
- never leaves a turn silent: when it sent nothing (action server down, handling raised), the
  apology and general answer of ``bot.channels.safety.ensure_reply`` are sent;
- puts the domain response name in every bot message, as ``metadata.utter_action``, so the help
  page can attach a rating to the answer it belongs to;
- binds a conversation to the browser it was issued to: session ids are ``<id>.<proof>``
  (``bot.core.session_proof``); ``session_request`` with any other id gets a new conversation,
  ``user_uttered`` with one is refused with a message the widget shows, and Rasa only ever sees
  ``<id>`` (the conversation id, also the reply room);
- masks personal data, screens typed ``/intent{...}`` commands and answers ``/restart`` with a
  start over (``bot.channels.screening``), as the REST channel does.
- ends every answer that comes from the FAQ with a short source line (FAQ section and anchor, a
  link to the official page, the province rules' date for tailored answers), in italics on the
  last line of the answer's last bubble (a bubble of its own would carry the answer's buttons);
  a link to the printable checklist (``/help/checklist?...``) becomes a Markdown link the widget
  renders.
- with ``SOCKETIO_REDIS_URL`` set, shares its emits with the other Rasa processes (workers and
  instances) through python-socketio's Redis manager: an agent's reply sent through any
  process reaches the process that holds the user's connection (docs/deployment.md).
- never leaves a malformed event unanswered: a ``user_uttered`` without a usable session id gets
  a "reload the page" message on its connection, a packet nested deeper than ``MAX_JSON_DEPTH``
  is answered the same way (one log line, no traceback), and metadata over
  ``MAX_METADATA_BYTES``/``MAX_METADATA_DEPTH`` is dropped;
- caps a conversation's backlog (``bot.server.gate``): from ``MAX_PENDING_PER_SENDER`` turns
  queued or running on, the user gets a "one moment" message and the turns are still answered
  in order; beyond ``BACKLOG_FACTOR`` times that, a message is refused with a "send it again"
  message;
- accepts connections from the page's own origin and the ``CORS_ORIGINS`` only (Rasa's channel
  accepts any origin, so any web site could chat in its visitors' name).
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from socketio import AsyncManager, AsyncRedisManager, AsyncServer
from socketio.packet import Packet

from bot import settings
from bot.channels import push
from bot.channels.http import ANSWER_KEY
from bot.channels.safety import (
    channel_message,
    clean_text,
    ensure_reply,
    language_slots,
    render,
    stored_tracker,
)
from bot.channels.screening import note_messages, screen, start_over
from bot.core import session_proof
from bot.core.channel_messages import channel_text
from bot.core.checklist import PAGE_PATH
from bot.core.limits import (
    MAX_JSON_DEPTH,
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    json_text_depth,
    metadata_problem,
)
from bot.core.sources import message_source, source_line
from bot.nlu.language import detect_language
from bot.server.cors import InvalidOrigin, origin_allowed, normalize_origin
from bot.server.gate import TooManyPending, configured_pending_cap, pending_cap, turn_gate

logger = logging.getLogger(__name__)

# The printable checklist's path with its query, as the checklist answer writes it.
CHECKLIST_LINK = re.compile(re.escape(PAGE_PATH) + r"\?[^\s)\]]+")


def with_web_source(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """The message for the widget: its source line last, links written in Markdown.

    The widget renders bot text as Markdown: the official page and the checklist's page become
    links, and the source line is in italics. It follows a single newline, so the stock channel
    (which splits bubbles at blank lines) keeps it in the answer's last bubble.
    """
    text = str(message.get("text") or "")
    if not text:
        return message
    text = CHECKLIST_LINK.sub(lambda m: f"[{m.group(0)}]({m.group(0)})", text)
    language = detect_language(text) or "en"
    source = message_source(message, language)
    if source is None:
        return {**message, "text": text}
    url = source["url"]
    line = source_line(source, language, source["rules_valid_as_of"], link=f"[{url}]({url})")
    return {**message, "text": f"{text.rstrip()}\n*{line}*"}
#: A conversation's turns beyond ``BACKLOG_FACTOR`` x ``MAX_PENDING_PER_SENDER`` are refused.
BACKLOG_FACTOR = 4


class SafeSocketIOOutput(SocketIOOutput):
    """Stock socket.io output that also records what it sent and tags it with the response name."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent: List[Dict[Text, Any]] = []
        self._answer_key: Optional[Text] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends one bot message; its parts carry ``metadata.utter_action`` when it has one."""
        # The stock methods that emit (text parts, buttons, images...) do not receive the
        # message's extra keys, so the name is held here for the duration of this message.
        self._answer_key = message.get(ANSWER_KEY)
        try:
            await super().send_response(recipient_id, with_web_source(message))
        finally:
            self._answer_key = None

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._answer_key:
            metadata = dict(response.get("metadata") or {})
            metadata[ANSWER_KEY] = self._answer_key
            response = {**response, "metadata": metadata}
        self.sent.append(response)
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Sends a custom payload as the stock channel does, and records it."""
        self.sent.append(json_message)
        await super().send_custom_json(recipient_id, json_message, **kwargs)


#: The Redis pub/sub channel the processes share; all of them must use the same one.
REDIS_CHANNEL = "icp-socketio"
REDIS_SCHEMES = ("redis", "rediss", "unix")


def client_manager(url: Text) -> Optional[AsyncManager]:
    """The socket.io client manager for ``SOCKETIO_REDIS_URL``.

    Args:
        url: The setting's value.

    Returns:
        None when ``url`` is empty (python-socketio's in-process manager: an emit reaches only
        the clients of this process); else a Redis manager, which hands every emit to all the
        processes subscribed to the same Redis (the connection is made on first use).

    Raises:
        settings.SettingError: ``url`` is not a Redis URL.
    """
    url = url.strip()
    if not url:
        return None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in REDIS_SCHEMES:
        raise settings.SettingError(
            "SOCKETIO_REDIS_URL must be empty, redis://..., rediss://... or unix://... "
            f"(got {scheme or url[:10]!r})"
        )
    return AsyncRedisManager(url, channel=REDIS_CHANNEL)


def install_client_manager(sio: AsyncServer, manager: AsyncManager) -> None:
    """Makes ``manager`` the client manager of ``sio``, which Rasa built with the default one.

    Raises:
        RuntimeError: ``sio`` already initialised its manager (it has had clients): replacing
            it then would lose their rooms.
    """
    if sio.manager_initialized:
        raise RuntimeError("the socket.io server already initialised its client manager")
    manager.set_server(sio)
    sio.manager = manager


def _valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS


def sanitize_session_request(data: Any) -> Dict[Text, Any]:
    """Coerces a ``session_request`` payload: a bad session id is dropped, so a new one is made.

    Args:
        data: The payload as received from the client.

    Returns:
        ``{"session_id": ...}`` when the client sent a usable id, else ``{}``.
    """
    if isinstance(data, dict) and _valid_session_id(data.get("session_id")):
        return {"session_id": data["session_id"]}
    return {}


def sanitize_message(data: Any, metadata_key: Optional[Text]) -> Dict[Text, Any]:
    """Coerces a ``user_uttered`` payload into the shape the stock handler expects.

    A bad message becomes an empty one (answered with guidance), a bad session id is ignored
    like a missing one and bad metadata becomes ``{}``.

    Args:
        data: The payload as received from the client.
        metadata_key: The key holding the message metadata.

    Returns:
        A new payload with ``message`` a string, ``session_id`` a string of at most
        ``MAX_SENDER_CHARS`` characters or absent, and the metadata a dict.
    """
    payload = dict(data) if isinstance(data, dict) else {}
    message = payload.get("message")
    payload["message"] = message if isinstance(message, str) else ""
    if not _valid_session_id(payload.get("session_id")):
        payload.pop("session_id", None)
    if metadata_key:
        metadata = payload.get(metadata_key)
        if isinstance(metadata, str):
            try:
                # Depth first: the decoder recurses once per level.
                too_deep = json_text_depth(metadata) > MAX_JSON_DEPTH
                metadata = None if too_deep else json.loads(metadata)
            except (ValueError, RecursionError):
                metadata = None
        if metadata is not None and metadata_problem(metadata):
            logger.info("Dropped the metadata of a socket.io message: %s", metadata_problem(metadata))
            metadata = None
        payload[metadata_key] = metadata if isinstance(metadata, dict) else {}
    return payload


class _DepthLimitedJSON:
    """The ``json`` of socket.io packets, refusing to decode text nested too deep.

    python-socketio decodes every packet with ``json.loads``, which recurses once per level: a
    packet a thousand levels deep raised ``RecursionError`` in the server's handler (a traceback
    in the log, and no answer). Such a packet now decodes as a ``user_uttered`` event without a
    payload, which the channel answers as malformed.
    """

    event = "user_uttered"

    @classmethod
    def loads(cls, text: Any, **kwargs: Any) -> Any:
        if isinstance(text, (str, bytes)) and json_text_depth(
            text if isinstance(text, str) else text.decode("utf-8", "replace")
        ) > MAX_JSON_DEPTH:
            logger.info("Refused a socket.io packet nested deeper than %d levels", MAX_JSON_DEPTH)
            return [cls.event]
        return json.loads(text, **kwargs)

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        return json.dumps(value, **kwargs)


def configured_origins() -> List[Text]:
    """``CORS_ORIGINS`` as normalised origins (an invalid one is logged and left out)."""
    origins = []
    for origin in settings.get("CORS_ORIGINS").split(","):
        if not origin.strip():
            continue
        try:
            origins.append(normalize_origin(origin))
        except InvalidOrigin as e:
            logger.error("%s; it is ignored for the web chat", e)
    return origins


def origin_check(origins: List[Text]) -> Callable[[Optional[Text], Mapping[Text, Any]], bool]:
    """The socket.io server's origin check: the page's own origin, or one of ``origins``.

    A request without an Origin header (not a browser) is not checked by the server at all.
    """

    def allowed(origin: Optional[Text], environ: Mapping[Text, Any] = {}) -> bool:
        if origin_allowed(origin, environ.get("HTTP_HOST"), origins):
            return True
        logger.info("Refused a socket.io connection from origin %r", origin)
        return False

    return allowed


class SafeSocketIOInput(SocketIOInput):
    """Rasa's ``socketio`` channel with input rules, never-silent turns and answer keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set when the server starts; the agent is read from it per message because the HTTP
        # API can replace the agent (a new model) while the server runs.
        self._app: Optional[Sanic] = None

    def get_output_channel(self) -> Optional[SafeSocketIOOutput]:
        """Output channel for messages outside a user turn (e.g. external events)."""
        if self.sio is None:
            return super().get_output_channel()
        return SafeSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The stock socket.io blueprint, with the message handling wrapped."""

        async def handle(message: UserMessage) -> None:
            await self._handle(message, on_new_message)

        socketio_webhook = super().blueprint(handle)
        manager = client_manager(settings.get("SOCKETIO_REDIS_URL"))
        if manager is not None:
            # Rasa builds the AsyncServer with the in-process manager; no client has connected
            # yet, so it can still be swapped.
            install_client_manager(self.sio, manager)
        elif settings.get("SANIC_WORKERS").strip() != "1":
            logger.warning(
                "SANIC_WORKERS is %s without SOCKETIO_REDIS_URL: an agent's reply sent through "
                "one worker does not reach widget users connected to another",
                settings.get("SANIC_WORKERS"),
            )
        # Rasa's channel passes cors_allowed_origins=[], which turns origin checks off.
        self.sio.eio.cors_allowed_origins = origin_check(configured_origins())
        self.sio.packet_class = type(
            "DepthLimitedPacket", (Packet,), {"json": _DepthLimitedJSON}
        )
        _DepthLimitedJSON.event = self.user_message_evt

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app

        @socketio_webhook.listener("after_server_start")
        async def start_listening(app: Sanic, _: Any) -> None:
            # python-socketio subscribes to Redis on the first connection; subscribing now makes
            # every process ready to receive from the others before its first user arrives.
            if manager is not None and not self.sio.manager_initialized:
                self.sio.manager_initialized = True
                manager.initialize()

        @socketio_webhook.listener("before_server_stop")
        async def stop_listening(app: Sanic, _: Any) -> None:
            task = getattr(manager, "thread", None)
            if task is not None:
                task.cancel()

        self._replace_handlers(self.sio)
        # Agents' replies and handoff notices reach the widget outside a turn: the output
        # channel emits to the conversation's room (session persistence).
        push.register(self.name(), self.get_output_channel)
        return socketio_webhook

    def _replace_handlers(self, sio: AsyncServer) -> None:
        namespace = self.namespace or "/"
        stock_handle_message = sio.handlers[namespace][self.user_message_evt]

        async def refuse(sid: Text, key: Text) -> None:
            # Shown by the widget like any bot message; to this socket only, never to a room.
            text = channel_text(key, None)
            await sio.emit(
                self.bot_message_evt,
                {"text": text, "metadata": {"error": key}},
                room=sid,
                namespace=self.namespace,
            )

        async def session_request(sid: Text, data: Any = None) -> None:
            # Only session ids this server signed are continued (bot/core/session_proof.py);
            # any other gets a new conversation, never the one it names.
            asked = sanitize_session_request(data).get("session_id")
            conversation_id = session_proof.conversation_of(asked) if asked else None
            session_id = asked
            if conversation_id is None:
                session_id = session_proof.issue()
                conversation_id = session_proof.conversation_of(session_id)
            if self.session_persistence:
                # python-socketio 5 made enter_room a coroutine and the stock handler does not
                # await it: the client never joined its session's room, so with session
                # persistence it never received a reply. The room is the conversation id: the
                # one Rasa's output channel sends to.
                await sio.enter_room(sid, conversation_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            if asked and session_id != asked:
                logger.info("session_request with an unproven session id; a new one was issued")
                await refuse(sid, "session_restarted")

        async def handle_message(sid: Text, data: Any = None) -> None:
            # The stock handler raises on payloads of the wrong shape (a string instead of an
            # object, a number as message...), and a raised handler means silence.
            payload = sanitize_message(data, self.metadata_key)
            if self.session_persistence and "session_id" not in payload:
                # The stock handler ignores it with a warning: the user would see nothing.
                logger.info("Refused a socket.io message without a usable session id")
                await self._send_to_connection(sid, "session_missing", payload["message"])
                return
            if self.session_persistence and "session_id" in payload:
                conversation_id = session_proof.conversation_of(payload["session_id"])
                if conversation_id is None:
                    logger.warning("user_uttered refused: the session id has no valid proof")
                    await refuse(sid, "session_refused")
                    return
                # Rasa gets the conversation id alone: the proof never reaches the tracker
                # store, the logs or the agent console.
                payload["session_id"] = conversation_id
            await stock_handle_message(sid, payload)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)

    async def _handle(
        self,
        message: UserMessage,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        sender_id = message.sender_id
        text = clean_text(message.text or "")
        output = SafeSocketIOOutput(self.sio, self.bot_message_evt)
        message.text = text
        message.output_channel = output
        agent = getattr(self._app.ctx, "agent", None) if self._app else None

        messages: List[Dict[Text, Any]] = []
        if not text or len(text) > MAX_MESSAGE_CHARS:
            # Nothing to understand (or far more than one question): answer with guidance
            # instead of spending NLU time on it.
            reply = "utter_empty_message" if not text else "utter_message_too_long"
            if agent is not None:
                tracker = await stored_tracker(agent, sender_id)
                slots = language_slots(tracker, text[:MAX_MESSAGE_CHARS])
                messages = [
                    {**m, ANSWER_KEY: reply}
                    for m in render(agent, [reply], slots, sender_id, self.name())
                ]
        else:
            # Personal data masked (the user is told), typed commands screened, /restart made
            # a start over (bot.channels.screening).
            screened = await screen(agent, sender_id, text)
            message.text = screened.text
            for note in note_messages(screened.notes, sender_id):
                await output.send_response(sender_id, _without_recipient(note))
            notes_sent = len(output.sent)
            if screened.restart:
                for reply_message in await start_over(agent, sender_id, self.name()):
                    await output.send_response(sender_id, _without_recipient(reply_message))
            gate = turn_gate()
            cap = configured_pending_cap()
            if gate.pending(sender_id) == cap:
                # Once per backlog: the turn that goes over the cap says the others are coming.
                await self._send_notice(sender_id, "one_moment", text)
            try:
                # Read by the turn gate when it queues this turn (no await in between).
                pending_cap.set(cap * BACKLOG_FACTOR)
                await on_new_message(message)
            except TooManyPending:
                logger.info("Refused a message of %s: %d turns pending", sender_id, cap * BACKLOG_FACTOR)
                await self._send_notice(sender_id, "too_many_pending", text)
                return
            except Exception:
                logger.exception("Handling a message of %s failed", sender_id)
            if len(output.sent) > notes_sent:
                return
            text = message.text

        for reply_message in await ensure_reply(agent, sender_id, text, messages, self.name()):
            await output.send_response(sender_id, _without_recipient(reply_message))

    async def _send_notice(self, sender_id: Text, key: Text, text: Text) -> None:
        """A text of data/channel_messages.yml to the conversation, in the language of ``text``."""
        output = SafeSocketIOOutput(self.sio, self.bot_message_evt)
        await output.send_text_message(sender_id, channel_message(key, text))

    async def _send_to_connection(self, sid: Text, key: Text, text: Text) -> None:
        """A text of data/channel_messages.yml to one connection (no conversation to send to)."""
        await self.sio.emit(
            self.bot_message_evt,
            {"text": channel_message(key, text)},
            room=sid,
            namespace=self.namespace,
        )


def _without_recipient(message: Dict[Text, Any]) -> Dict[Text, Any]:
    return {k: v for k, v in message.items() if k != "recipient_id"}
