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
- with ``SOCKETIO_REDIS_URL`` set, shares its emits with the other Rasa processes (workers and
  instances) through python-socketio's Redis manager: an agent's reply sent through any
  process reaches the process that holds the user's connection (docs/deployment.md).
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from socketio import AsyncManager, AsyncRedisManager, AsyncServer

from bot import settings
from bot.channels import push
from bot.core.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from bot.channels.safety import clean_text, ensure_reply, language_slots, render, stored_tracker

logger = logging.getLogger(__name__)

ANSWER_KEY = "utter_action"


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
            await super().send_response(recipient_id, message)
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
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        payload[metadata_key] = metadata if isinstance(metadata, dict) else {}
    return payload


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

        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = sanitize_session_request(data).get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                # python-socketio 5 made enter_room a coroutine and the stock handler does not
                # await it: the client never joined its session's room, so with session
                # persistence it never received a reply.
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any = None) -> None:
            # The stock handler raises on payloads of the wrong shape (a string instead of an
            # object, a number as message...), and a raised handler means silence.
            await stock_handle_message(sid, sanitize_message(data, self.metadata_key))

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
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("Handling a message of %s failed", sender_id)
            if output.sent:
                return

        for reply_message in await ensure_reply(agent, sender_id, text, messages, self.name()):
            reply_message = {k: v for k, v in reply_message.items() if k != "recipient_id"}
            await output.send_response(sender_id, reply_message)
