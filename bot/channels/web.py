"""The help page and its feedback API, served by the Rasa server itself.

Configured in credentials.yml as ``bot.channels.web.HelpPageInput:``. It handles no chat messages
(the page's widget talks to the socket.io channel); its blueprint is mounted at the server root
(``url_prefix`` "/": Rasa joins it to "/webhooks/" with ``urljoin``, which keeps an absolute
path) and serves:

- ``GET /help/``: the page, its script and style, the photo check control (``precheck.js``,
  ``precheck.css``, see ``bot.channels.precheck``) (``web/help/``) and the chat widget's bundle
  (``web/node_modules/rasa-webchat/lib/index.js``, installed by ``scripts/web_setup.sh``); a
  fixed list of files, nothing else from disk;
- ``POST /webhooks/feedback``: one rating of one answer, stored with ``bot.feedback``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Collection, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import RequestError, consistent_http, json_object, refuse
from bot.channels.static import CSS, JAVASCRIPT, Asset, StaticSite, content_security_policy, page_assets
from bot.channels.safety import clean_text
from bot.feedback.repository import FeedbackRepository, FeedbackUnavailable, validate_feedback
from bot import settings
from bot.stores.db import RulesUnavailable, get_engine

logger = logging.getLogger(__name__)

WEB_ROOT = settings.WEB_DIR
WIDGET_BUNDLE = WEB_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"


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
            "webchat.js": Asset(WIDGET_BUNDLE, JAVASCRIPT),
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
                return refuse(request, e)
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
            return response.json({"id": feedback_id}, status=201)

        consistent_http(help_page)  # JSON 404/405 everywhere, no "None" headers
        return help_page
