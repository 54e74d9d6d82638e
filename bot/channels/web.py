"""The help page and its feedback API, served by the Rasa server itself.

Configured in credentials.yml as ``bot.channels.web.HelpPageInput:``. It handles no chat messages
(the page's widget talks to the socket.io channel); its blueprint is mounted at the server root
(``url_prefix`` "/": Rasa joins it to "/webhooks/" with ``urljoin``, which keeps an absolute
path) and serves:

- ``GET /help/``: the page, its script and style, the photo check control (``precheck.js``,
  ``precheck.css``, see ``bot.channels.precheck``) (``web/help/``) and the chat widget's bundle
  (``web/node_modules/rasa-webchat/lib/index.js``, installed by ``scripts/web_setup.sh``, served
  with :func:`widget_bundle`'s fix); a fixed list of files, nothing else from disk;
- ``POST /webhooks/feedback``: one rating of one answer, stored with ``bot.feedback``. A rating
  must come from the conversation it rates and rate an answer given there, so the report cannot
  be skewed by made-up ratings:

  - per client address at most ``rate_limit_burst`` ratings at once and
    ``rate_limit_per_minute`` per minute (credentials.yml), else 429 with ``Retry-After``;
  - ``sender_id`` is the widget's signed session id (``bot.core.session_proof``), else 403;
    the conversation id alone is stored;
  - ``answer_key`` must be a response the bot uttered in that conversation (tracker store), and
    each utterance can be rated once (409 beyond);
  - personal data in ``question`` is masked (``bot.core.pii``); sizes are capped by
    ``parse_feedback`` and ``bot.channels.http``.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
import re
from typing import Any, Awaitable, Callable, Collection, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import ANSWER_KEY, RequestError, consistent_http, json_object, refuse
from bot.channels.static import CSS, JAVASCRIPT, Asset, StaticSite, content_security_policy, page_assets
from bot.channels import handoff
from bot.channels.precheck import TokenBucket
from bot.channels.safety import clean_text, stored_tracker
from bot.core import pii, session_proof
from bot.feedback.repository import FeedbackRepository, FeedbackUnavailable, validate_feedback
from bot import settings
from bot.stores.db import RulesUnavailable, get_engine

logger = logging.getLogger(__name__)

WEB_ROOT = settings.WEB_DIR
WIDGET_BUNDLE = WEB_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"

# rasa-webchat 1.0.1 (minified) opens its socket.io connection with only the path,
# ``socketio:function(e,t,n){var r=n?{path:n}:{}``, and drops the ``protocolOptions`` it
# receives as a fourth argument (only its sockjs protocol uses them).
_WIDGET_SOCKETIO = re.compile(
    r"socketio:function\((\w+),(\w+),(\w+)\)\{var (\w+)=\3\?\{path:\3\}:\{\}"
)


def widget_bundle(bundle: bytes) -> bytes:
    """The widget's bundle with its socket.io connection taking the page's ``protocolOptions``.

    The help page passes ``{transports: ["websocket"]}``: a websocket is one connection, so it
    stays with the Rasa worker or instance that accepted it, where long-polling sends each
    request anew and needs every one of them to reach the same process (``SANIC_WORKERS`` > 1
    or several instances behind a round-robin proxy; docs/deployment.md).

    Args:
        bundle: ``rasa-webchat/lib/index.js``.

    Returns:
        The bundle with the options merged into the socket.io client's; unchanged (logged)
        when it is not the expected code (another widget version): the widget then falls back
        to long-polling first.
    """
    text = bundle.decode("utf-8")
    fixed, count = _WIDGET_SOCKETIO.subn(
        lambda m: (
            f"socketio:function({m[1]},{m[2]},{m[3]},icpOptions)"
            f"{{var {m[4]}=Object.assign({m[3]}?{{path:{m[3]}}}:{{}},icpOptions)"
        ),
        text,
    )
    if count != 1:
        logger.error(
            "The chat widget's bundle is not rasa-webchat 1.0.1: its protocolOptions are "
            "ignored and it connects with long-polling first (see bot/channels/web.py)"
        )
        return bundle
    return fixed.encode("utf-8")


HELP_DIR = WEB_ROOT / "help"
# The page runs only its own scripts: HTML or script in a chat message cannot execute even if
# the widget ever rendered it, and nothing loads from other hosts (the widget's stylesheet
# imports a web font from a CDN; it is blocked and the page's own fonts apply). Fonts and images
# as data: URLs are the widget's own (its carousel's arrow font).
# 'unsafe-inline' styles: the widget injects its CSS in <style> elements and style attributes.
HELP_PAGE = StaticSite(
    "help page",
    page_assets(
        HELP_DIR,
        **{
            "webchat.js": Asset(WIDGET_BUNDLE, JAVASCRIPT, widget_bundle),
            # The photo check control, also loaded by the agent console (bot.channels.precheck).
            "precheck.js": Asset(HELP_DIR / "precheck.js", JAVASCRIPT),
            "precheck.css": Asset(HELP_DIR / "precheck.css", CSS),
            # The printable checklist's files (the page itself: bot.channels.checklist).
            "checklist.css": Asset(HELP_DIR / "checklist.css", CSS),
            "checklist.js": Asset(HELP_DIR / "checklist.js", JAVASCRIPT),
        },
    ),
    content_security_policy(
        "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:"
    ),
)

# Ratings per client address: a few at once (a user rating several answers in a row), a
# sustained rate no person rating answers reaches.
FEEDBACK_RATE_PER_MINUTE = 20.0
FEEDBACK_BURST = 10
UNAVAILABLE = "Feedback cannot be stored right now. Please try again later."

FEEDBACK_FIELDS = ("sender_id", "question", "answer_key", "language", "rating")
FEEDBACK_EXAMPLE = (
    '{"sender_id": "...", "question": "...", "answer_key": "utter_...", '
    '"language": "en"|"zh", "rating": "helpful"|"not_helpful"}'
)


def parse_feedback(raw: bytes, known_answer_keys: Optional[Collection[Text]]) -> Dict[Text, Text]:
    """Validates a feedback request body.

    Args:
        raw: The request body.
        known_answer_keys: The domain's response names; None to accept any well-formed name
            (the model is not loaded yet).

    Returns:
        The five fields, strings with control characters removed.

    Raises:
        RequestError: The body is too large (413), or is not a UTF-8 JSON object with exactly the
            five fields, each a valid string (400).
    """
    body = json_object(raw, FEEDBACK_EXAMPLE)
    unknown = sorted(set(body) - set(FEEDBACK_FIELDS))
    if unknown:
        raise RequestError(400, f"Unknown field(s): {', '.join(unknown)}.")
    fields = {}
    for name in FEEDBACK_FIELDS:
        if name not in body:
            raise RequestError(400, f"'{name}' is required.")
        if not isinstance(body[name], str):
            raise RequestError(400, f"'{name}' must be a string.")
        fields[name] = clean_text(body[name])
    try:
        validate_feedback(source="chat", **fields)
    except ValueError as e:
        raise RequestError(400, str(e))
    if known_answer_keys is not None and fields["answer_key"] not in known_answer_keys:
        raise RequestError(400, f"'answer_key' {fields['answer_key']!r} is not a known response.")
    return fields


async def offer_agent(agent: Any, sender_id: Text) -> bool:
    """After a "not helpful" rating, offers the user a human agent in their chat (a button).

    Only for a conversation the bot is answering; never fails the rating it follows.

    Returns:
        Whether the offer was made.
    """
    try:
        if agent is None or not agent.is_ready():
            return False
        tracker = await stored_tracker(agent, sender_id)
        if tracker is None or not tracker.events or tracker.is_paused():
            return False
        await handoff.notify(agent, sender_id, "utter_handoff_offer", "offer")
    except Exception:
        logger.exception("Offering %s a human agent failed", sender_id)
        return False
    return True
async def answers_given(agent: Any, conversation_id: Text, answer_key: Text) -> int:
    """How many times the bot uttered ``answer_key`` in a conversation (all its sessions).

    Raises:
        RequestError: 503 when the tracker store cannot be read.
    """
    store = agent.tracker_store
    try:
        tracker = await store.retrieve_full_tracker(conversation_id)
    except Exception:  # the store being down must be a 503, not a 500
        logger.exception("Tracker store unavailable while checking feedback")
        raise RequestError(503, UNAVAILABLE)
    if tracker is None:
        return 0
    return sum(
        1
        for event in tracker.events
        if isinstance(event, BotUttered) and (event.metadata or {}).get(ANSWER_KEY) == answer_key
    )


class HelpPageInput(InputChannel):
    """Serves the help page with the chat widget and receives answer ratings."""

    def __init__(
        self,
        rate_limit_per_minute: float = FEEDBACK_RATE_PER_MINUTE,
        rate_limit_burst: int = FEEDBACK_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository: Optional[FeedbackRepository] = None
        self.limiter = TokenBucket(rate_limit_per_minute, rate_limit_burst, clock)
        # Counting a conversation's ratings and adding one must not interleave.
        self._record_lock = asyncio.Lock()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "HelpPageInput":
        """Settings from credentials.yml (all optional)."""
        credentials = credentials or {}
        return cls(
            rate_limit_per_minute=float(
                credentials.get("rate_limit_per_minute", FEEDBACK_RATE_PER_MINUTE)
            ),
            rate_limit_burst=int(credentials.get("rate_limit_burst", FEEDBACK_BURST)),
        )

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "help_page"

    def url_prefix(self) -> Text:
        """Mounts the blueprint at the server root, for /help/ and /webhooks/feedback."""
        return "/"

    def _record_once(self, fields: Dict[Text, Text], given: int) -> Optional[int]:
        """Stores a rating unless each utterance of the answer is rated already (None then)."""
        repository = self._feedback_repository()
        if repository.count(sender_id=fields["sender_id"], answer_key=fields["answer_key"]) >= given:
            return None
        return repository.record(**fields, source="chat")

    def _feedback_repository(self) -> FeedbackRepository:
        if self._repository is None:
            self._repository = FeedbackRepository(get_engine())
        return self._repository

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The page and feedback routes."""
        help_page = Blueprint("help_page", __name__)

        HELP_PAGE.add_routes(help_page, "/help")

        @help_page.route("/webhooks/feedback", methods=["POST"])
        async def feedback(request: Request) -> HTTPResponse:
            client = request.remote_addr or request.ip or "unknown"
            wait = self.limiter.take(client)
            if wait > 0:
                return response.json(
                    {"error": "Too many ratings. Please try again later."},
                    status=429,
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
            agent = getattr(request.app.ctx, "agent", None)
            domain = getattr(agent, "domain", None)
            known = set(domain.responses) if domain is not None else None
            try:
                fields = parse_feedback(request.body or b"", known)
                conversation_id = session_proof.conversation_of(fields["sender_id"])
                if conversation_id is None:
                    raise RequestError(403, "'sender_id' is not a conversation of this help page.")
                if agent is None:
                    raise RequestError(503, UNAVAILABLE)
                given = await answers_given(agent, conversation_id, fields["answer_key"])
            except RequestError as e:
                return refuse(request, e)
            if not given:
                return response.json(
                    {"error": f"'answer_key' {fields['answer_key']!r} was not given in this conversation."},
                    status=400,
                )
            fields["sender_id"] = conversation_id
            fields["question"] = pii.mask(fields["question"]).text
            try:
                async with self._record_lock:
                    # Database calls block; keep them off the event loop that serves the chat.
                    feedback_id = await asyncio.to_thread(self._record_once, fields, given)
            except (FeedbackUnavailable, RulesUnavailable):
                logger.exception("Could not store feedback")
                return response.json({"error": UNAVAILABLE}, status=503)
            if feedback_id is None:
                return response.json({"error": "This answer has been rated already."}, status=409)
            offered = False
            if fields["rating"] == "not_helpful":
                offered = await offer_agent(agent, fields["sender_id"])
            return response.json({"id": feedback_id, "offered_agent": offered}, status=201)

        consistent_http(help_page)  # JSON 404/405 everywhere, no "None" headers
        return help_page
