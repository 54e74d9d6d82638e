"""The help page and its feedback API, served by the Rasa server itself.

Configured in credentials.yml as ``bot.channels.web.HelpPageInput:``. It handles no chat messages
(the page's widget talks to the socket.io channel); its blueprint is mounted at the server root
(``url_prefix`` "/": Rasa joins it to "/webhooks/" with ``urljoin``, which keeps an absolute
path) and serves:

- ``GET /help/``: the page, its script and style, the photo check control (``precheck.js``,
  ``precheck.css``, see ``bot.channels.precheck``) (``web/help/``) and the chat widget's bundle
  (``web/node_modules/rasa-webchat/lib/index.js``, installed by ``scripts/web_setup.sh``, served
  with :func:`widget_bundle`'s fix); a fixed list of files, nothing else from disk;
- ``POST /webhooks/feedback``: one rating of one answer, stored with ``bot.feedback``.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Collection, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import RequestError, json_object
from bot.channels.static import CSS, JAVASCRIPT, Asset, StaticSite, content_security_policy, page_assets
from bot.channels import handoff
from bot.channels.safety import clean_text, stored_tracker
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
        },
    ),
    content_security_policy(
        "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:"
    ),
)

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
    if agent is None or not agent.is_ready():
        return False
    try:
        tracker = await stored_tracker(agent, sender_id)
        if tracker is None or not tracker.events or tracker.is_paused():
            return False
        await handoff.notify(agent, sender_id, "utter_handoff_offer", "offer")
    except Exception:
        logger.exception("Offering %s a human agent failed", sender_id)
        return False
    return True


class HelpPageInput(InputChannel):
    """Serves the help page with the chat widget and receives answer ratings."""

    def __init__(self) -> None:
        self._repository: Optional[FeedbackRepository] = None

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "help_page"

    def url_prefix(self) -> Text:
        """Mounts the blueprint at the server root, for /help/ and /webhooks/feedback."""
        return "/"

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
            agent = getattr(request.app.ctx, "agent", None)
            domain = getattr(agent, "domain", None)
            known = set(domain.responses) if domain is not None else None
            try:
                fields = parse_feedback(request.body or b"", known)
            except RequestError as e:
                return response.json({"error": e.message}, status=e.status)
            try:
                # Database calls block; keep them off the event loop that serves the chat.
                feedback_id = await asyncio.to_thread(
                    lambda: self._feedback_repository().record(**fields, source="chat")
                )
            except (FeedbackUnavailable, RulesUnavailable):
                logger.exception("Could not store feedback")
                return response.json(
                    {"error": "Feedback cannot be stored right now. Please try again later."},
                    status=503,
                )
            offered = False
            if fields["rating"] == "not_helpful":
                offered = await offer_agent(agent, fields["sender_id"])
            return response.json({"id": feedback_id, "offered_agent": offered}, status=201)

        return help_page
