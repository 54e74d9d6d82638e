"""The photo check API: ``POST /webhooks/precheck`` (see ``bot.core.precheck``).

Configured in credentials.yml as ``bot.channels.precheck.PrecheckInput:`` (optional settings:
``rate_limit_per_minute``, ``rate_limit_burst``, ``workers``, ``max_pending``). It handles no chat
messages. The image is sent as the request body (``Content-Type: image/*`` or
``application/octet-stream``) or as the multipart field ``file``; ``?lang=en|zh`` picks the
language of the messages (English by default). Answers, always JSON:

- 200: the verdict, ``PrecheckResult.to_dict()``: ``ok``, ``format``, ``bytes``, ``width``,
  ``height``, ``problems`` [{``code``, ``message``}], ``source`` (the FAQ section);
- 400: empty body, unsupported content type, no ``file`` part, unknown ``lang``;
- 413: body over ``MAX_BODY_BYTES`` (20 MB: a too-large photo still gets a useful answer up to
  there). The route streams, so Sanic's own REQUEST_MAX_SIZE (and its HTML error page) never
  applies: Content-Length is checked before reading, and reading a chunked body stops as soon as
  it passes the limit (Sanic then discards the rest without keeping it);
- 429: the client's rate limit (a token bucket per client address), with ``Retry-After``;
- 503: more checks waiting than ``max_pending`` (bounded memory), with ``Retry-After``; or an
  unexpected failure. Never a 500.

Privacy: the image lives in this request's memory only. It is never written to disk, logged,
put in the tracker store or echoed; the answer carries no image data. The CPU-heavy check runs in
a small thread pool, off the event loop that serves the chat.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.headers import parse_content_header
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import RequestError
from bot.core.precheck import DEFAULT_LANGUAGE, LANGUAGES, check_image

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
PATH = "/webhooks/precheck"
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

DEFAULT_RATE_PER_MINUTE = 30.0
DEFAULT_BURST = 10
DEFAULT_WORKERS = 2
DEFAULT_MAX_PENDING = 4
# Buckets kept for this many distinct clients at most; the least recently seen is forgotten
# first (it comes back with a full bucket, which only ever favours a client that went quiet).
MAX_TRACKED_CLIENTS = 10_000


class TokenBucket:
    """Per-client token buckets: ``burst`` requests at once, refilled at ``rate_per_minute``.

    Args:
        rate_per_minute: Sustained requests per minute per client.
        burst: Requests a client may make at once.
        clock: Monotonic seconds (injectable for tests).
        max_clients: Clients remembered at most (memory bound).
    """

    def __init__(
        self,
        rate_per_minute: float = DEFAULT_RATE_PER_MINUTE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_TRACKED_CLIENTS,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: "OrderedDict[Text, Tuple[float, float]]" = OrderedDict()

    def take(self, client: Text) -> float:
        """Takes a token for ``client``.

        Returns:
            0 when the request may proceed, else the seconds until a token is available.
        """
        now = self._clock()
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return wait


def _error(status: int, message: Text, headers: Optional[Dict[Text, Text]] = None) -> HTTPResponse:
    return response.json(
        {"error": message}, status=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def parse_lang(value: Optional[Text]) -> Text:
    """The ``lang`` query parameter, English when absent.

    Raises:
        RequestError: 400 for any other language.
    """
    if value is None or value == "":
        return DEFAULT_LANGUAGE
    if value not in LANGUAGES:
        raise RequestError(400, f"'lang' must be one of: {', '.join(LANGUAGES)}.")
    return value


def body_kind(content_type: Optional[Text]) -> Tuple[Text, Dict[Text, Text]]:
    """Whether the body is the image itself ("raw") or a form ("multipart"), from its type.

    Raises:
        RequestError: 400 for any other content type.
    """
    media, options = parse_content_header(content_type or "")
    media = media.strip().lower()
    if media.startswith("image/") or media == "application/octet-stream":
        return "raw", options
    if media == "multipart/form-data":
        if not options.get("boundary"):
            raise RequestError(400, "multipart/form-data needs a boundary.")
        return "multipart", options
    raise RequestError(
        400,
        "Send the image as the body with Content-Type image/* or application/octet-stream, "
        "or as the multipart/form-data field 'file'.",
    )


def multipart_file(body: bytes, boundary: Text, field: Text = "file") -> bytes:
    """The content of the first part named ``field`` of a multipart/form-data body.

    Sanic's own form parser decodes every part without a file name as text, and fails on
    malformed headers; this one only slices the part it needs (no copies of the other parts).

    Raises:
        RequestError: 400 when the body has no such part or is malformed.
    """
    delimiter = b"--" + boundary.encode("latin-1")
    pos = body.find(delimiter)
    while pos >= 0:
        start = pos + len(delimiter)
        if body[start : start + 2] == b"--":
            break  # closing delimiter
        header_end = body.find(b"\r\n\r\n", start)
        next_delimiter = body.find(b"\r\n" + delimiter, start)
        if header_end < 0 or next_delimiter < 0 or header_end > next_delimiter:
            break
        headers = body[start:header_end].decode("latin-1").split("\r\n")
        for line in headers:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                _, params = parse_content_header(value.strip())
                if params.get("name") == field:
                    return body[header_end + 4 : next_delimiter]
        pos = next_delimiter + 2
    raise RequestError(400, f"The multipart body has no '{field}' part with the image.")


class PrecheckInput(InputChannel):
    """``POST /webhooks/precheck``: checks a document photo before it is uploaded.

    Args:
        rate_limit_per_minute: Checks per minute per client address (sustained).
        rate_limit_burst: Checks a client may make at once.
        workers: Threads that run checks (CPU-bound; the event loop stays free).
        max_pending: Checks in progress or waiting at most; more get 503 (each holds its body).
        clock: Monotonic seconds for the rate limit (tests).
    """

    def __init__(
        self,
        rate_limit_per_minute: float = DEFAULT_RATE_PER_MINUTE,
        rate_limit_burst: int = DEFAULT_BURST,
        workers: int = DEFAULT_WORKERS,
        max_pending: int = DEFAULT_MAX_PENDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if workers < 1 or max_pending < 1:
            raise ValueError("workers and max_pending must be at least 1")
        self.limiter = TokenBucket(rate_limit_per_minute, rate_limit_burst, clock)
        self.workers = workers
        self.max_pending = max_pending
        self._executor: Optional[ThreadPoolExecutor] = None
        self._pending = 0

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "PrecheckInput":
        """Settings from credentials.yml (all optional)."""
        credentials = credentials or {}
        return cls(
            rate_limit_per_minute=float(
                credentials.get("rate_limit_per_minute", DEFAULT_RATE_PER_MINUTE)
            ),
            rate_limit_burst=int(credentials.get("rate_limit_burst", DEFAULT_BURST)),
            workers=int(credentials.get("workers", DEFAULT_WORKERS)),
            max_pending=int(credentials.get("max_pending", DEFAULT_MAX_PENDING)),
        )

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "precheck"

    def url_prefix(self) -> Text:
        """Mounted at the server root: the route is exactly /webhooks/precheck."""
        return "/"

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="precheck")
        return self._executor

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The check route."""
        precheck = Blueprint("precheck", __name__)

        # stream=True: Sanic does not read the body before the handler, so the size limit and
        # its JSON 413 are ours, whatever the server's REQUEST_MAX_SIZE.
        @precheck.route(PATH, methods=["POST"], stream=True)
        async def check(request: Request) -> HTTPResponse:
            try:
                return await self._check(request)
            except Exception as error:  # never a 500, never the image in a log
                logger.error("Photo check failed: %s", type(error).__name__)
                return _error(503, "The photo check is unavailable right now. Please try again.")

        return precheck

    async def _check(self, request: Request) -> HTTPResponse:
        client = request.remote_addr or request.ip or "unknown"
        wait = self.limiter.take(client)
        if wait > 0:
            return _error(
                429,
                "Too many photo checks from this address. Please wait and try again.",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        try:
            lang = parse_lang(request.args.get("lang"))
            kind, options = body_kind(request.headers.get("content-type"))
            declared = request.headers.get("content-length")
            if declared is not None and declared.strip().isdigit():
                if int(declared) > MAX_BODY_BYTES:
                    raise RequestError(413, _too_large())
        except RequestError as e:
            return _error(e.status, e.message)

        if self._pending >= self.max_pending:
            return _error(
                503, "The photo check is busy. Please try again in a moment.", {"Retry-After": "2"}
            )
        self._pending += 1
        try:
            try:
                data = await self._read_body(request)
                if kind == "multipart":
                    data = multipart_file(data, options["boundary"])
            except RequestError as e:
                return _error(e.status, e.message)
            if not data:
                return _error(400, "The request has no image: the body is empty.")
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self._pool(), check_image, data, lang)
            del data
            return response.json(result.to_dict(), headers=JSON_HEADERS)
        finally:
            self._pending -= 1

    async def _read_body(self, request: Request) -> bytes:
        """The body, at most ``MAX_BODY_BYTES`` (413 beyond: Sanic discards the rest unread)."""
        stream = request.stream
        if stream is None:  # not streamed (e.g. a server that preloads bodies)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                raise RequestError(413, _too_large())
            return body
        chunks = bytearray()
        while True:
            chunk = await stream.read()
            if chunk is None:
                return bytes(chunks)
            chunks += chunk
            if len(chunks) > MAX_BODY_BYTES:
                    raise RequestError(413, _too_large())


def _too_large() -> Text:
    return (
        f"The file is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB. The FAQ allows at most "
        "4 MB per image: reduce the photo (save it as JPEG, or with fewer pixels) and check it "
        "again."
    )
