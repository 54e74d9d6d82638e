"""The agent assist API (``/webhooks/agent_assist/``) and the agent console page (``/agent/``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels import http
from bot.channels.agent_assist.auth import UNAUTHORIZED_HEADERS, authorize, configured_token
from bot.channels.agent_assist.requests import parse_chosen, parse_suggest
from bot.channels.agent_assist.suggester import CHANNEL_NAME, Suggester
from bot.channels.http import RequestError
from bot.channels.static import JAVASCRIPT, Asset, StaticSite, content_security_policy, page_assets
from bot.feedback.repository import FeedbackRepository
from bot.stores.db import get_engine

logger = logging.getLogger(__name__)

CONSOLE_DIR = settings.WEB_DIR / "agent"
# Our own files only and no inline script or style: what the console shows is
# customer-influenced.
CONSOLE = StaticSite(
    "agent console",
    page_assets(CONSOLE_DIR, **{"live.js": Asset(CONSOLE_DIR / "live.js", JAVASCRIPT)}),
    content_security_policy("style-src 'self'", "img-src 'self'"),
)


def json_response(status: int, payload: Mapping[Text, Any]) -> HTTPResponse:
    """A JSON response; 401s carry the ``WWW-Authenticate`` challenge."""
    return http.json_response(status, payload, UNAUTHORIZED_HEADERS if status == 401 else None)


def _ready(agent: Any) -> Any:
    """The agent, once it has a model.

    Raises:
        RequestError: 503 while no model is loaded.
    """
    if agent is None or not agent.is_ready():
        raise RequestError(
            503, "The assistant is starting up (no model loaded yet). Please try again shortly."
        )
    return agent


class AgentServices:
    """What the agent channels share, created on first use (so a broken rules setup cannot stop
    Rasa from starting) unless injected (tests): the suggester and the ratings store."""

    _suggester: Optional[Suggester] = None
    _feedback: Optional[FeedbackRepository] = None

    @property
    def suggester(self) -> Suggester:
        """The suggester."""
        if self._suggester is None:
            self._suggester = Suggester()
        return self._suggester

    @property
    def feedback(self) -> FeedbackRepository:
        """The ratings store (the rules database)."""
        if self._feedback is None:
            self._feedback = FeedbackRepository(get_engine())
        return self._feedback


class AgentAssistInput(AgentServices, InputChannel):
    """Suggested replies for support agents (``/webhooks/agent_assist/``)."""

    def __init__(
        self,
        suggester: Optional[Suggester] = None,
        feedback: Optional[FeedbackRepository] = None,
    ) -> None:
        """Creates the channel.

        Args:
            suggester: Builds the suggestions.
            feedback: Stores the agents' choices; on the rules database by default.

        Both are created on first use when omitted, so a broken rules setup cannot stop Rasa
        from starting.
        """
        self._suggester = suggester
        self._feedback = feedback

    @classmethod
    def name(cls) -> Text:
        """Channel name; also the URL prefix /webhooks/agent_assist/."""
        return CHANNEL_NAME


    async def handle_suggest(
        self, agent: Any, authorization: Optional[Text], raw: bytes
    ) -> Tuple[int, Dict[Text, Any]]:
        """Answers a ``/suggest`` request.

        Args:
            agent: The running agent (None before Rasa has one).
            authorization: The ``Authorization`` header.
            raw: The request body.

        Returns:
            HTTP status and JSON payload; never raises.
        """
        try:
            authorize(authorization, configured_token())
            request = parse_suggest(raw)
            language, suggestions = await self.suggester.suggest(
                _ready(agent), request.text, request.sender_id, request.k
            )
        except RequestError as e:
            return e.status, {"error": e.message}
        except Exception:
            logger.exception("Suggesting replies failed")
            return 503, {"error": "Suggestions are unavailable right now. Please try again."}
        return 200, {"language": language, "suggestions": [s.as_json() for s in suggestions]}

    async def handle_chosen(
        self, authorization: Optional[Text], raw: bytes
    ) -> Tuple[int, Dict[Text, Any]]:
        """Answers a ``/chosen`` request: stores a "helpful" rating from an agent.

        The rated answer is the topic's general response: the suggestion text itself may be a
        tailored variant, but feedback is reported per topic answer.

        Args:
            authorization: The ``Authorization`` header.
            raw: The request body.

        Returns:
            HTTP status (201 when stored) and JSON payload; never raises.
        """
        try:
            authorize(authorization, configured_token())
            chosen = parse_chosen(raw, self.suggester.topics)
            fields = {
                "sender_id": chosen.sender_id or CHANNEL_NAME,
                "question": chosen.text,
                "answer_key": self.suggester.topics[chosen.intent].general,
                "language": chosen.language,
                "rating": "helpful",
                "source": "agent",
            }
            # Database calls block; keep them off the event loop that serves the chats.
            feedback_id = await asyncio.to_thread(lambda: self.feedback.record(**fields))
        except RequestError as e:
            return e.status, {"error": e.message}
        except ValueError as e:  # the feedback store's own validation
            return 400, {"error": str(e)}
        except Exception:
            logger.exception("Recording an agent's choice failed")
            return 503, {"error": "The choice cannot be recorded right now. Please try again."}
        return 201, {"id": feedback_id}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes. ``on_new_message`` is unused: suggesting is not a turn."""
        assist = Blueprint("agent_assist", __name__)

        @assist.route("/suggest", methods=["POST"])
        async def suggest(request: Request) -> HTTPResponse:
            status, payload = await self.handle_suggest(
                getattr(request.app.ctx, "agent", None),
                request.headers.get("Authorization"),
                request.body or b"",
            )
            if 400 <= status < 500:
                http.log_refused(request, status, payload.get("error", ""))
            return json_response(status, payload)

        @assist.route("/chosen", methods=["POST"])
        async def chosen(request: Request) -> HTTPResponse:
            status, payload = await self.handle_chosen(
                request.headers.get("Authorization"), request.body or b""
            )
            if 400 <= status < 500:
                http.log_refused(request, status, payload.get("error", ""))
            return json_response(status, payload)

        return assist


class AgentConsole(InputChannel):
    """Serves the agent console (``web/agent/``) at ``/agent/``."""

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "agent_console"

    def url_prefix(self) -> Text:
        """Absolute, so Rasa's urljoin("/webhooks/", ...) mounts the routes at the root."""
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for the console's files."""
        console = Blueprint("agent_console", __name__)
        CONSOLE.add_routes(console, "/agent")
        return console
