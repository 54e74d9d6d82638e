"""WeChat Official Account channel: ``GET``/``POST /webhooks/wechat/webhook``.

Configured in credentials.yml as ``bot.channels.wechat.channel.WeChatInput`` (docs/channels.md):
``token`` (required), ``app_id``, ``encoding_aes_key`` (safe mode), ``app_secret`` (replies
after the 5-second window, agent replies), ``api_base``, ``help_url``, ``welcome_language``,
``reply_timeout``.

- ``GET`` with ``signature``, ``timestamp``, ``nonce``, ``echostr``: the platform checking the
  server URL; ``echostr`` is echoed when the signature is right, else 403.
- ``POST``: one user message or event, as XML; in safe mode (``encrypt_type=aes``) the XML holds
  an ``Encrypt`` ciphertext signed by ``msg_signature``. A wrong signature is answered 403 (the
  request does not come from the platform). Everything else is answered with a passive reply in
  the same mode, or with the platform's ``success`` (no reply): never an error status, which
  would make WeChat tell the user "this account cannot provide service".

What a message gets:

- text, and voice with the platform's speech ``Recognition``: a bot turn; its messages joined
  into one reply (``output.compose_reply``), options as a numbered list, and a reply that is
  just a number or an option's title picks that option (``bot.core.options``);
- event ``subscribe``: the welcome message (the ``greet`` turn, in ``welcome_language``);
  ``unsubscribe`` and other events: nothing;
- image, video, location, link, file, voice without recognition: a short text in the user's
  language pointing to the photo check on the help page;
- a turn that does not finish within ``reply_timeout`` (4.5 s of the platform's 5): ``success``
  now, and the answer through the customer-service API when the turn ends.

Retries: the platform resends a message it got no reply to. Each message is handled once,
keyed by ``MsgId`` (events: sender and ``CreateTime``): copies arriving while it is handled wait
for its reply and get the same one (``dedup.OnceCache``, per process); a copy that reaches
another process after the turn was stored is answered from the tracker (the turn's user message
carries the key as its ``message_id``) instead of running the turn again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.plain import choice_in_tracker, pick_choice
from bot.channels.rest import MAX_MESSAGE_CHARS
from bot.channels.safety import clean_text, ensure_reply, language_slots, render, stored_tracker
from bot.channels.wechat import xml as wxml
from bot.channels.wechat.crypto import DecryptError, MessageCrypto, SignatureError, check_signature
from bot.channels.wechat.dedup import OnceCache
from bot.channels.wechat.output import DEFAULT_API_BASE, WeChatApi, WeChatOutput
from bot.core.channel_messages import channel_text
from bot.core import pii
from bot.nlu.language import detect_language

logger = logging.getLogger(__name__)

SUCCESS = "success"
DEFAULT_REPLY_TIMEOUT = 4.5
DEFAULT_HELP_URL = "/help/"
# Most users of a Chinese Official Account write Chinese; events carry no text to tell.
DEFAULT_WELCOME_LANGUAGE = "zh"
PRECHECK_ANCHOR = "#precheck"
PHOTO_CHECK_KEY = "photo_check_on_help_page"
MESSAGE_ID_PREFIX = "wechat:"
# How far back the tracker is searched for a retried message that another process handled.
DEDUP_EVENTS = 200


class Reply(NamedTuple):
    """An HTTP answer to the platform."""

    status: int
    body: Text
    content_type: Text = "text/plain; charset=utf-8"


def _nonempty(value: Any) -> Optional[Text]:
    """A credentials value, or None when missing or empty (an unset optional variable)."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


class WeChatInput(InputChannel):
    """The WeChat Official Account input channel."""

    @classmethod
    def name(cls) -> Text:
        """Channel name; also the URL prefix /webhooks/wechat/."""
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Builds the channel from its credentials.yml block."""
        if not credentials or not _nonempty(credentials.get("token")):
            cls.raise_missing_credentials_exception()
        timeout = _nonempty(credentials.get("reply_timeout"))
        return cls(
            token=str(credentials["token"]).strip(),
            app_id=_nonempty(credentials.get("app_id")),
            app_secret=_nonempty(credentials.get("app_secret")),
            encoding_aes_key=_nonempty(credentials.get("encoding_aes_key")),
            api_base=_nonempty(credentials.get("api_base")) or DEFAULT_API_BASE,
            help_url=_nonempty(credentials.get("help_url")) or DEFAULT_HELP_URL,
            welcome_language=_nonempty(credentials.get("welcome_language"))
            or DEFAULT_WELCOME_LANGUAGE,
            reply_timeout=float(timeout) if timeout else DEFAULT_REPLY_TIMEOUT,
        )

    def __init__(
        self,
        token: Text,
        app_id: Optional[Text] = None,
        app_secret: Optional[Text] = None,
        encoding_aes_key: Optional[Text] = None,
        api_base: Text = DEFAULT_API_BASE,
        help_url: Text = DEFAULT_HELP_URL,
        welcome_language: Optional[Text] = DEFAULT_WELCOME_LANGUAGE,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        dedup: Optional[OnceCache] = None,
    ) -> None:
        """Creates the channel.

        Args:
            token: The server token set on the platform (signatures).
            app_id: The account's AppID (safe mode and the customer-service API).
            app_secret: The AppSecret, for the customer-service API; without it, answers that
                miss the reply window are logged and dropped.
            encoding_aes_key: The 43-character EncodingAESKey; needed for safe mode.
            api_base: Scheme and host of the platform's API.
            help_url: Public URL of the help page (answers cut short, photo check).
            welcome_language: Language of the welcome message ("en", "zh"; None: the bot's
                default). Events carry no text to tell the user's language.
            reply_timeout: Seconds a turn may take before the passive reply gives up.
            dedup: The retry cache (a fresh one by default).

        Raises:
            ValueError: safe mode is configured without an AppID, or the key is malformed.
        """
        self.token = token
        self.app_id = app_id
        self.help_url = help_url
        self.welcome_language = welcome_language
        self.reply_timeout = reply_timeout
        self.crypto: Optional[MessageCrypto] = None
        if encoding_aes_key:
            if not app_id:
                raise ValueError("WeChat safe mode needs the AppID (app_id) with the EncodingAESKey")
            self.crypto = MessageCrypto(token, encoding_aes_key, app_id)
        self.api: Optional[WeChatApi] = (
            WeChatApi(app_id, app_secret, api_base) if app_id and app_secret else None
        )
        self.dedup: OnceCache = dedup or OnceCache()
        self._background: Set[asyncio.Task] = set()
        if not help_url.startswith(("http://", "https://")):
            logger.warning(
                "WeChat: help_url %r is not an absolute URL; WeChat users cannot open it", help_url
            )

    def get_output_channel(self) -> WeChatOutput:
        """Output for messages outside a user turn (agent replies): the customer-service API."""
        return WeChatOutput(self.api, self.help_url, collecting=False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: GET (URL check) and POST (messages) on /webhook."""
        webhook = Blueprint("wechat_webhook", __name__)

        def answer(reply: Reply) -> HTTPResponse:
            return response.text(reply.body, status=reply.status, content_type=reply.content_type)

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return answer(self.verify_url(_arguments(request)))

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                agent = getattr(request.app.ctx, "agent", None)
                reply = await self.handle_post(
                    _arguments(request), request.body or b"", agent, on_new_message
                )
            except Exception:  # never a 500: WeChat would show the user its error notice
                logger.exception("WeChat: handling a request failed")
                reply = Reply(200, SUCCESS)
            return answer(reply)

        return webhook

    # --- requests -----------------------------------------------------------------------------

    def verify_url(self, args: Dict[Text, Text]) -> Reply:
        """The platform's server URL check: echo ``echostr`` when the signature is right."""
        try:
            check_signature(args.get("signature"), self.token, args.get("timestamp"), args.get("nonce"))
        except SignatureError as error:
            logger.warning("WeChat: URL verification refused (%s)", error)
            return Reply(403, "forbidden")
        return Reply(200, args.get("echostr") or "")

    async def handle_post(
        self,
        args: Dict[Text, Text],
        body: bytes,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> Reply:
        """Handles one POST from the platform.

        Args:
            args: The query parameters (first value of each).
            body: The raw body.
            agent: The running agent, or None while it loads.
            on_new_message: Rasa's message handler.

        Returns:
            403 for a wrong signature; else 200 with the passive reply or ``success``.
        """
        deadline = asyncio.get_running_loop().time() + self.reply_timeout
        safe_mode = (args.get("encrypt_type") or "").lower() == "aes"
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        if not safe_mode:
            try:
                check_signature(args.get("signature"), self.token, timestamp, nonce)
            except SignatureError as error:
                logger.warning("WeChat: message refused (%s)", error)
                return Reply(403, "forbidden")
        try:
            fields = wxml.parse_message(body)
        except wxml.XmlError as error:
            logger.warning("WeChat: unreadable message body (%s)", error)
            return Reply(200, SUCCESS)

        if safe_mode:
            encrypted = wxml.field(fields, "Encrypt") or ""
            try:
                check_signature(args.get("msg_signature"), self.token, timestamp, nonce, encrypted)
            except SignatureError as error:
                logger.warning("WeChat: encrypted message refused (%s)", error)
                return Reply(403, "forbidden")
            if self.crypto is None:
                logger.error("WeChat: safe-mode message, but no encoding_aes_key is configured")
                return Reply(200, SUCCESS)
            try:
                fields = wxml.parse_message(self.crypto.decrypt(encrypted).encode("utf-8"))
            except (DecryptError, wxml.XmlError) as error:
                logger.warning("WeChat: encrypted message unreadable (%s)", error)
                return Reply(200, SUCCESS)

        sender = wxml.field(fields, "FromUserName")
        account = wxml.field(fields, "ToUserName")
        if not sender or not account:
            logger.warning("WeChat: message without FromUserName/ToUserName")
            return Reply(200, SUCCESS)

        content = await self._reply_once(fields, sender, agent, on_new_message, deadline)
        if not content:
            return Reply(200, SUCCESS)
        reply_xml = wxml.text_reply(sender, account, int(time.time()), content)
        if not safe_mode:
            return Reply(200, reply_xml, "application/xml; charset=utf-8")
        assert self.crypto is not None
        reply_timestamp = str(int(time.time()))
        reply_nonce = nonce or reply_timestamp
        encrypted_reply = self.crypto.encrypt(reply_xml)
        envelope = wxml.encrypted_envelope(
            encrypted_reply,
            self.crypto.sign(reply_timestamp, reply_nonce, encrypted_reply),
            reply_timestamp,
            reply_nonce,
        )
        return Reply(200, envelope, "application/xml; charset=utf-8")

    async def _reply_once(
        self,
        fields: Dict[Text, Text],
        sender: Text,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        deadline: float,
    ) -> Optional[Text]:
        """The reply text for a message, computed once per message key (see module docs)."""
        key = message_key(fields, sender)
        future, first = self.dedup.claim(key)
        if not first:
            logger.info("WeChat: retry of message %s, answering with the first copy's reply", key)
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout=remaining)
            except asyncio.TimeoutError:
                return None
        content: Optional[Text] = None
        try:
            content = await self._reply(fields, key, sender, agent, on_new_message, deadline)
        except Exception:
            logger.exception("WeChat: handling message %s of %s failed", key, sender)
        finally:
            if not future.done():
                future.set_result(content)
        return content

    async def _reply(
        self,
        fields: Dict[Text, Text],
        key: Text,
        sender: Text,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        deadline: float,
    ) -> Optional[Text]:
        """The reply text for a new message (None: reply ``success``)."""
        kind = (wxml.field(fields, "MsgType") or "").lower()
        tracker = await stored_tracker(agent, sender) if agent is not None else None
        earlier = self._answered_before(tracker, key)
        if earlier is not None:
            logger.info("WeChat: message %s was handled before, answering from the tracker", key)
            return earlier

        if kind == "event":
            event = (wxml.field(fields, "Event") or "").lower()
            if event != "subscribe":
                return None
            text = "/greet"
            if self.welcome_language:
                text += json.dumps({"language": self.welcome_language})
            return await self._turn(text, key, sender, agent, tracker, on_new_message, deadline)

        text: Optional[Text] = None
        if kind == "text":
            text = wxml.field(fields, "Content") or ""
        elif kind == "voice":
            text = wxml.field(fields, "Recognition")
        if text is None:
            language = _known_language(tracker)
            url = self.help_url + PRECHECK_ANCHOR
            return channel_text(PHOTO_CHECK_KEY, language, url=url)

        text = clean_text(text)
        if not text or len(text) > MAX_MESSAGE_CHARS:
            # As the REST channel: guidance instead of running NLU on nothing or on an essay.
            reply = "utter_empty_message" if not text else "utter_message_too_long"
            slots = language_slots(tracker, text[:MAX_MESSAGE_CHARS])
            messages = render(agent, [reply], slots, sender, self.name()) if agent else []
            return self._compose(await ensure_reply(agent, sender, text, messages, self.name()))
        # Personal data never reaches Rasa, the tracker store or the logs (bot.core.pii); the
        # user is told above the answer (an answer sent later through the API goes without it).
        masked = pii.mask(text)
        reply = await self._turn(masked.text, key, sender, agent, tracker, on_new_message, deadline)
        if masked.changed and reply is not None:
            reply = pii.note(masked.kinds, detect_language(text)) + "\n\n" + reply
        return reply

    async def _turn(
        self,
        text: Text,
        key: Text,
        sender: Text,
        agent: Any,
        tracker: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        deadline: float,
    ) -> Optional[Text]:
        """Runs a bot turn; its reply text, or None when it outlives the reply window."""
        output = WeChatOutput(self.api, self.help_url)
        message = UserMessage(
            text,
            output,
            sender,
            input_channel=self.name(),
            message_id=MESSAGE_ID_PREFIX + key,
        )
        try:
            pick_choice(message, choice_in_tracker(agent, tracker, text))
        except Exception:  # a convenience: the message still goes through as typed
            logger.exception("WeChat: could not resolve a typed choice of %s", sender)

        task = asyncio.ensure_future(on_new_message(message))
        remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
        done, _ = await asyncio.wait({task}, timeout=remaining)
        if not done:
            logger.warning(
                "WeChat: the turn of %s outlived the reply window; answering later via the API",
                sender,
            )
            later = asyncio.ensure_future(self._answer_later(task, output, message, agent))
            self._background.add(later)
            later.add_done_callback(self._background.discard)
            return None
        if task.exception() is not None:
            logger.error("WeChat: handling a message of %s failed", sender, exc_info=task.exception())
        messages = await ensure_reply(agent, sender, message.text, output.messages, self.name())
        return output.reply_text(messages)

    async def _answer_later(
        self, task: "asyncio.Future[Any]", output: WeChatOutput, message: UserMessage, agent: Any
    ) -> None:
        """Waits for a slow turn and sends its messages through the customer-service API."""
        try:
            await task
        except Exception:
            logger.exception("WeChat: handling a message of %s failed", message.sender_id)
        try:
            messages = await ensure_reply(
                agent, message.sender_id, message.text, output.messages, self.name()
            )
            output.messages = list(messages)
            await output.deliver_collected(message.sender_id)
        except Exception:
            logger.exception("WeChat: a late reply to %s could not be sent", message.sender_id)

    def _compose(self, messages: List[Dict[Text, Any]]) -> Text:
        """One reply text for ``messages`` (see ``output.compose_reply``)."""
        return WeChatOutput(None, self.help_url).reply_text(messages)

    def _answered_before(self, tracker: Any, key: Text) -> Optional[Text]:
        """The reply to message ``key`` rebuilt from the tracker, when a turn already ran for it.

        None when the message is new. The bot messages after the stored user message are the
        ones the platform never received (that is why it retried).
        """
        if tracker is None:
            return None
        message_id = MESSAGE_ID_PREFIX + key
        events = list(tracker.events)[-DEDUP_EVENTS:]
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if getattr(event, "type_name", None) == "user" and event.message_id == message_id:
                messages: List[Dict[Text, Any]] = []
                for later in events[index + 1 :]:
                    if later.type_name == "user":
                        break
                    if later.type_name == "bot":
                        messages.append({"text": later.text, **(later.data or {})})
                return self._compose(messages)
        return None


def message_key(fields: Dict[Text, Text], sender: Text) -> Text:
    """The key that identifies a message across the platform's retries.

    ``MsgId`` for messages; sender and ``CreateTime`` for events (which have no ``MsgId``), as
    the platform recommends.
    """
    msg_id = wxml.field(fields, "MsgId")
    if msg_id:
        return msg_id
    return f"{sender}:{wxml.field(fields, 'CreateTime') or ''}"


def _known_language(tracker: Any) -> Optional[Text]:
    """The conversation's language when the user has written before, else None (unknown)."""
    if tracker is None or not getattr(tracker.latest_message, "text", None):
        return None
    return tracker.get_slot("language")


def _arguments(request: Request) -> Dict[Text, Text]:
    """The query parameters, first value of each."""
    return {name: request.args.get(name) for name in request.args}
