"""What the bot sends to WeChat: one passive reply per message, the rest through the API.

The platform takes exactly one reply per user message, in the HTTP response, within 5
seconds (a "passive reply"). ``WeChatOutput`` therefore collects the messages of a turn, and
``compose_reply`` joins them into one text: the texts, then the options of the last message
with buttons as a numbered list (``bot.core.options``), shortened to the platform's length
limit with a pointer to the help page when an answer is longer.

Messages that come later (the turn outlived the reply window, or a support agent answers
during a handoff through Rasa's API with ``output_channel=wechat``) go through the
customer-service message API (``WeChatApi``), with an access token cached until shortly before
it expires. The platform accepts those within 48 hours of the user's last message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

import aiohttp
from rasa.core.channels.channel import OutputChannel

from bot.core.channel_messages import channel_text
from bot.core.options import numbered_text, options_of
from bot.channels.plain import with_source_line
from bot.nlu.language import detect_language

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TOKEN_PATH = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/custom/send"
# Text content of a reply, in UTF-8 bytes. The platform's documentation states no number;
# 2048 bytes is the limit its API reports ("content size out of limit", errcode 45002) and
# applies to passive replies and customer-service messages alike.
MAX_CONTENT_BYTES = 2048
# A token is renewed this long before the platform says it expires (tokens last 7200 s).
TOKEN_MARGIN_SECONDS = 300.0
API_TIMEOUT_SECONDS = 10.0
# Error codes of an access token that is invalid or expired: fetch a new one and retry once.
TOKEN_ERRORS = {40001, 40014, 42001}
ELLIPSIS = "…"
MORE_KEY = "answer_continues_on_help_page"


def _utf8_len(text: Text) -> int:
    return len(text.encode("utf-8"))


def _truncated(text: Text, max_bytes: int) -> Text:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes, preferably after a sentence or line."""
    if _utf8_len(text) <= max_bytes:
        return text
    cut = text.encode("utf-8")[: max(max_bytes, 0)].decode("utf-8", "ignore")
    # Prefer ending on a line or sentence boundary if one is in the last fifth of the text.
    boundary = max(cut.rfind(mark) for mark in ("\n", "。", ". ", "；", "; ", "！", "？"))
    if boundary >= len(cut) * 4 // 5:
        cut = cut[: boundary + 1]
    return cut.rstrip()


def compose_reply(
    messages: Sequence[Dict[Text, Any]],
    help_url: Text,
    default_language: Optional[Text] = None,
    max_bytes: int = MAX_CONTENT_BYTES,
) -> Text:
    """Joins the messages of a turn into one text that fits a WeChat message.

    Args:
        messages: Bot messages (``text``, ``buttons``, ``image``...), in order.
        help_url: The help page, named when the answer has to be shortened.
        default_language: Language of the added lines when the texts do not tell.
        max_bytes: The platform's limit for one text message, in UTF-8 bytes.

    Returns:
        The texts separated by blank lines, followed by the options of the last message that
        had buttons (the ones a typed number picks, see ``bot.core.options``) as a numbered
        list; when longer than ``max_bytes``, the texts are cut and a line pointing to the help
        page is added, the options kept. Empty when there is nothing to say.
    """
    texts: List[Text] = []
    buttons: List[Dict[Text, Any]] = []
    for message in messages:
        text = str(message.get("text") or "").strip()
        if text:
            texts.append(text)
        if message.get("image"):
            texts.append(str(message["image"]))
        if options_of(message.get("buttons")):
            buttons = message["buttons"]
    body = "\n\n".join(texts)
    language = detect_language(body) or default_language
    options = numbered_text("", buttons, language) if buttons else ""
    reply = "\n\n".join(part for part in (body, options) if part)
    if _utf8_len(reply) <= max_bytes:
        return reply

    more = channel_text(MORE_KEY, language, url=help_url)
    fixed = "\n\n".join(part for part in (ELLIPSIS + "\n\n" + more, options) if part)
    room = max_bytes - _utf8_len(fixed) - _utf8_len("\n\n")
    if room <= 0:  # options alone over the limit: nothing sensible fits, say where to look
        return _truncated(more, max_bytes)
    shortened = _truncated(body, room) + "\n\n" + fixed
    return shortened if _utf8_len(shortened) <= max_bytes else _truncated(shortened, max_bytes)


class WeChatApiError(Exception):
    """The platform's API refused a call or could not be reached."""


class WeChatApi:
    """The customer-service message API, with the account's access token cached."""

    def __init__(
        self,
        app_id: Text,
        app_secret: Text,
        api_base: Text = DEFAULT_API_BASE,
        margin_seconds: float = TOKEN_MARGIN_SECONDS,
        timeout_seconds: float = API_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates a client.

        Args:
            app_id: The Official Account's AppID.
            app_secret: Its AppSecret.
            api_base: Scheme and host of the API (a local fake in tests).
            margin_seconds: Renew a token this long before it expires.
            timeout_seconds: Timeout of each HTTP call.
            clock: Monotonic time source (replaced in tests).
        """
        self.app_id = app_id
        self.app_secret = app_secret
        self.api_base = api_base.rstrip("/")
        self.margin_seconds = margin_seconds
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._clock = clock
        self._token: Optional[Text] = None
        self._token_expires = 0.0
        self._lock: Optional[asyncio.Lock] = None

    async def _call(self, method: Text, path: Text, **kwargs: Any) -> Dict[Text, Any]:
        url = self.api_base + path
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.request(method, url, **kwargs) as reply:
                    body = await reply.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise WeChatApiError(f"{path}: {error.__class__.__name__}") from error
        try:
            answer = json.loads(body.decode("utf-8"))
        except ValueError as error:
            raise WeChatApiError(f"{path}: answer is not JSON") from error
        if not isinstance(answer, dict):
            raise WeChatApiError(f"{path}: answer is not a JSON object")
        return answer

    async def access_token(self, renew: bool = False) -> Text:
        """The account's access token, fetched once and reused until shortly before it expires.

        Concurrent callers share one fetch.

        Args:
            renew: Fetch a new token even if the cached one has not expired (the platform said
                it is invalid).

        Raises:
            WeChatApiError: the platform refused (wrong AppID/secret, IP not whitelisted...).
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        stale = self._token
        async with self._lock:
            if self._token and self._clock() < self._token_expires:
                if not renew or self._token != stale:
                    return self._token
            answer = await self._call(
                "GET",
                TOKEN_PATH,
                params={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self.app_secret,
                },
            )
            token = answer.get("access_token")
            if not token:
                # errmsg names the problem; the secret is not in it.
                raise WeChatApiError(
                    f"token: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip()
                )
            lifetime = float(answer.get("expires_in") or 7200)
            self._token = str(token)
            self._token_expires = self._clock() + max(lifetime - self.margin_seconds, 0.0)
            return self._token

    async def send_text(self, open_id: Text, content: Text) -> None:
        """Sends a text message to a user (customer-service message).

        Raises:
            WeChatApiError: the platform refused it (errcode other than 0) or was unreachable.
        """
        # ensure_ascii=False: the platform shows \\uXXXX escapes literally in some clients.
        body = json.dumps(
            {"touser": open_id, "msgtype": "text", "text": {"content": content}},
            ensure_ascii=False,
        ).encode("utf-8")
        renew = False
        for _ in range(2):
            token = await self.access_token(renew=renew)
            answer = await self._call(
                "POST",
                SEND_PATH,
                params={"access_token": token},
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            code = answer.get("errcode", 0)
            if code == 0:
                return
            if code not in TOKEN_ERRORS:
                break
            renew = True
        raise WeChatApiError(f"send: errcode {code} {answer.get('errmsg', '')}".strip())


class WeChatOutput(OutputChannel):
    """Collects a turn's messages for the passive reply, or sends each through the API.

    A collecting instance is made per user message; ``deliver_collected`` sends what it
    collected when the passive reply could not carry it. A non-collecting instance (from
    ``WeChatInput.get_output_channel``) sends every message through the API as it comes.
    """

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "wechat"

    def __init__(
        self,
        api: Optional[WeChatApi],
        help_url: Text,
        default_language: Optional[Text] = None,
        collecting: bool = True,
    ) -> None:
        """Creates an output channel.

        Args:
            api: The customer-service API client; None when no AppSecret is configured (then
                later messages are logged and dropped).
            help_url: The help page, for shortened answers.
            default_language: Language of added lines when the texts do not tell.
            collecting: Collect messages for a passive reply instead of sending them.
        """
        self.api = api
        self.help_url = help_url
        self.default_language = default_language
        self.collecting = collecting
        self.messages: List[Dict[Text, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Collects the message, or sends it at once when not collecting."""
        # Plain text: the answer's FAQ source goes into the text, as its last line.
        message = with_source_line(dict(message), self.default_language)
        if self.collecting:
            self.messages.append(message)
        else:
            await self.deliver(recipient_id, [message])

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends (or collects) a text."""
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Sends (or collects) a text with options, numbered in the reply."""
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    def reply_text(self, messages: Optional[Sequence[Dict[Text, Any]]] = None) -> Text:
        """The text of one WeChat message for ``messages`` (default: those collected)."""
        return compose_reply(
            self.messages if messages is None else messages, self.help_url, self.default_language
        )

    async def deliver(self, recipient_id: Text, messages: Sequence[Dict[Text, Any]]) -> bool:
        """Sends messages as one customer-service message; failures are logged, not raised.

        Returns:
            Whether the platform accepted it (nothing to send counts as delivered).
        """
        content = self.reply_text(messages)
        if not content:
            return True
        if self.api is None:
            logger.error(
                "WeChat: a reply to %s could not be sent (no app_secret, so no customer-service API)",
                recipient_id,
            )
            return False
        try:
            await self.api.send_text(recipient_id, content)
        except WeChatApiError as error:
            logger.error("WeChat: customer-service message to %s failed: %s", recipient_id, error)
            return False
        return True

    async def deliver_collected(self, recipient_id: Text) -> bool:
        """Stops collecting and sends what was collected through the API."""
        self.collecting = False
        messages, self.messages = self.messages, []
        return await self.deliver(recipient_id, messages)
