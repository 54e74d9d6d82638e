"""Suggested replies for support agents, and the agent console that shows them.

Two input channels (list both in credentials.yml):

- ``AgentAssistInput`` (``agent_assist``) serves, under ``/webhooks/agent_assist/``:

  - ``POST suggest`` with ``{"text": ..., "sender_id": ..., "k": 3}``: the ``k`` best replies to
    a customer's message, best first, in the customer's language and tailored to what the
    customer's conversation already told us (province, applicant type, residency);
  - ``POST chosen`` with ``{"sender_id", "text", "intent", "language"}``: records that the agent
    used a suggestion (feedback with source "agent", rating "helpful").

- ``AgentConsole`` serves the console's static files (``web/agent/``) at ``/agent/``: Rasa mounts
  a channel at ``urljoin("/webhooks/", url_prefix())``, and an absolute prefix replaces the path.

Both API routes need ``Authorization: Bearer <token>`` with the token from ``AGENT_ASSIST_TOKEN``
or, when that is unset, the local token ``scripts/agent_token.sh`` generated in
``var/agent_assist_token``. With neither, every request is refused with 503: an assistant that
reads customers' conversations must never run open by accident.

Suggesting never changes the customer's conversation: the tracker is only read, the message is
parsed without a tracker, and tailored actions run in-process on a copy of the slots.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.base import TailoredAction
from actions.resume import TAILORED_ACTIONS
from actions.topics import Topic, load_topics
from bot.channels.plain import as_plain_text
from bot.channels.rest import RequestError, json_object
from bot.channels.safety import clean_text
from bot.feedback.repository import FeedbackRepository
from bot.nlu.language import detect_language
from bot.rules.db import get_engine

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIR = ROOT / "web" / "agent"
TOKEN_ENV = "AGENT_ASSIST_TOKEN"
TOKEN_FILE = ROOT / "var" / "agent_assist_token"

MAX_TEXT_CHARS = 2000
MAX_SENDER_CHARS = 128
MIN_K, MAX_K, DEFAULT_K = 1, 10, 3
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

CHANNEL_NAME = "agent_assist"
DETAIL_SLOTS = ("province", "applicant_type", "residency")
OUT_OF_SCOPE = "out_of_scope"
# Not answers to a customer's question, or (bot_challenge, human_handoff) answers only a bot can
# give: a human agent must not paste "I'm a bot" or "contact a human agent".
NOT_SUGGESTED = frozenset(
    {
        "nlu_fallback",
        OUT_OF_SCOPE,
        "inform",
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "human_handoff",
    }
)
# The classifier gives every intent some probability; below this an intent is a long shot, not a
# suggestion (the bot's "did you mean" uses the same cut). When no answerable intent reaches it,
# the message is out of scope. On the development set (tests/devset), 0.05 keeps every right
# answer that 0.01 keeps, and gives the out-of-scope reply to 69% (en) / 58% (zh) of the
# out-of-scope questions instead of unrelated long shots (25% / 31% with 0.01).
MIN_CONFIDENCE = 0.05
# Responses a tailored action utters instead of an answer: a question for a missing detail and
# the "rules database down" apology. An agent needs the answer itself, so the general one is used.
_NOT_AN_ANSWER_PREFIX = "utter_ask_"
_RULES_UNAVAILABLE = "utter_rules_unavailable"
# Keys CollectingDispatcher.utter_message always sets; anything else is a template value.
_DISPATCHER_KEYS = frozenset(
    {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}
)

JSON_HEADERS = {"Cache-Control": "no-store"}
UNAUTHORIZED_HEADERS = {**JSON_HEADERS, "WWW-Authenticate": 'Bearer realm="agent_assist"'}


# --- Requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestRequest:
    """A valid ``/suggest`` body."""

    text: Text
    sender_id: Optional[Text]
    k: int


@dataclass(frozen=True)
class ChosenRequest:
    """A valid ``/chosen`` body."""

    text: Text
    intent: Text
    language: Text
    sender_id: Optional[Text]


def _text(body: Mapping[Text, Any]) -> Text:
    value = body.get("text")
    if value is None:
        raise RequestError(400, "'text' (the customer's message) is required.")
    if not isinstance(value, str):
        raise RequestError(400, "'text' must be a string.")
    text = clean_text(value)
    if not text:
        raise RequestError(400, "'text' is empty: paste the customer's message.")
    if len(text) > MAX_TEXT_CHARS:
        raise RequestError(400, f"'text' must be at most {MAX_TEXT_CHARS} characters.")
    return text


def _sender_id(body: Mapping[Text, Any]) -> Optional[Text]:
    value = body.get("sender_id")
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(400, "'sender_id' must be a string.")
    sender_id = clean_text(value)
    if len(sender_id) > MAX_SENDER_CHARS:
        raise RequestError(400, f"'sender_id' must be at most {MAX_SENDER_CHARS} characters.")
    return sender_id or None


def parse_suggest(raw: bytes) -> SuggestRequest:
    """Validates a ``/suggest`` body.

    Raises:
        RequestError: 413 or 400 with a message saying what is wrong.
    """
    body = json_object(raw, '{"text": "...", "sender_id": "...", "k": 3}')
    k = body.get("k", DEFAULT_K)
    # bool is an int in Python, but `true` is not a number of suggestions.
    if not isinstance(k, int) or isinstance(k, bool) or not MIN_K <= k <= MAX_K:
        raise RequestError(400, f"'k' must be an integer from {MIN_K} to {MAX_K}.")
    return SuggestRequest(text=_text(body), sender_id=_sender_id(body), k=k)


def parse_chosen(raw: bytes, topics: Mapping[Text, Topic]) -> ChosenRequest:
    """Validates a ``/chosen`` body.

    Args:
        raw: The request body.
        topics: The answerable intents; ``intent`` must be one of them.

    Raises:
        RequestError: 413 or 400 with a message saying what is wrong.
    """
    body = json_object(
        raw, '{"sender_id": "...", "text": "...", "intent": "...", "language": "en"}'
    )
    text = _text(body)
    intent = body.get("intent")
    if not isinstance(intent, str) or intent not in topics:
        raise RequestError(400, "'intent' must be the intent of a suggestion.")
    language = body.get("language")
    if language is None:
        language = detect_language(text) or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise RequestError(400, f"'language' must be one of: {', '.join(LANGUAGES)}.")
    return ChosenRequest(text=text, intent=intent, language=language, sender_id=_sender_id(body))


# --- Authorization -----------------------------------------------------------------------------


def configured_token(token_file: Optional[Path] = None) -> Optional[Text]:
    """The token agents must present: ``AGENT_ASSIST_TOKEN``, else the generated local one.

    Read on every request, so a rotated token takes effect without a restart.

    Args:
        token_file: Where the generated token is; ``TOKEN_FILE`` by default.

    Returns:
        The token, or None when neither is set (the API is then closed).
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    path = token_file or TOKEN_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except OSError:
        logger.exception("Cannot read the agent assist token file %s", path)
        return None


def authorize(header: Optional[Text], expected: Optional[Text]) -> None:
    """Checks an ``Authorization`` header against the configured token.

    Raises:
        RequestError: 503 when no token is configured, 401 when the header is missing,
            not a Bearer token, or the token is wrong.
    """
    if not expected:
        raise RequestError(
            503,
            f"Agent assist is disabled: no access token is configured. Set {TOKEN_ENV} "
            "(or start the bot with scripts/serve.sh, which generates a local token).",
        )
    scheme, _, presented = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise RequestError(401, "Missing access token: send 'Authorization: Bearer <token>'.")
    # Bytes, because compare_digest refuses non-ASCII str; surrogateescape, because Sanic keeps
    # header bytes that are not UTF-8 as lone surrogates. Constant time, so the token cannot be
    # guessed from response times.
    presented_bytes = presented.strip().encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(presented_bytes, expected.encode("utf-8")):
        raise RequestError(401, "Invalid access token.")


# --- Suggestions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """One suggested reply."""

    text: Text
    intent: Text
    confidence: float
    source: Optional[Text]

    def as_json(self) -> Dict[Text, Any]:
        """The suggestion as sent to the console."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "source": self.source,
        }


def candidates(
    ranking: Iterable[Mapping[Text, Any]],
    topics: Mapping[Text, Topic],
    min_confidence: float = MIN_CONFIDENCE,
) -> List[Tuple[Text, float]]:
    """Picks the intents worth answering, best first.

    Args:
        ranking: The parse's ``intent_ranking`` (best first).
        topics: The answerable intents.
        min_confidence: Intents below this confidence are not picked.

    Returns:
        (intent, confidence) pairs of the answerable, suggestable intents; when there is none,
        only the out-of-scope reply, with the ranking's ``out_of_scope`` confidence.
    """
    picked: Dict[Text, float] = {}
    confidences: Dict[Text, float] = {}
    for entry in ranking:
        name = entry.get("name")
        confidence = float(entry.get("confidence") or 0.0)
        confidences.setdefault(name, confidence)
        if name in topics and name not in NOT_SUGGESTED and confidence >= min_confidence:
            picked.setdefault(name, confidence)
    if not picked and OUT_OF_SCOPE in topics:
        picked[OUT_OF_SCOPE] = confidences.get(OUT_OF_SCOPE, 0.0)
    return list(picked.items())


def merged_details(
    slots: Mapping[Text, Any], entities: Iterable[Mapping[Text, Any]]
) -> Dict[Text, Any]:
    """The applicant's details: the conversation's slots, overridden by the message's entities.

    The customer's latest message wins, as it would in the conversation itself ("actually
    I'm in Hunan").
    """
    details = {name: slots.get(name) for name in DETAIL_SLOTS if slots.get(name)}
    for entity in entities:
        if entity.get("entity") in DETAIL_SLOTS and entity.get("value"):
            details[entity["entity"]] = entity["value"]
    return details


def customer_language(text: Text, slots: Mapping[Text, Any]) -> Text:
    """The language to answer in: the message's, else the conversation's, else English."""
    language = detect_language(text) or slots.get("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _template_values(message: Mapping[Text, Any]) -> Dict[Text, Any]:
    return {key: value for key, value in message.items() if key not in _DISPATCHER_KEYS}


class Suggester:
    """Ranks and renders suggested replies with a running Rasa agent."""

    def __init__(
        self,
        actions: Optional[Mapping[Text, TailoredAction]] = None,
        topics: Optional[Mapping[Text, Topic]] = None,
    ) -> None:
        """Creates the suggester.

        Args:
            actions: Tailored actions by topic; by default one of each of
                ``actions.resume.TAILORED_ACTIONS`` on the process-wide rules repository.
            topics: Answerable intents; data/topics.yml by default.
        """
        self.actions = (
            dict(actions) if actions is not None else {cls.topic: cls() for cls in TAILORED_ACTIONS}
        )
        self.topics = topics if topics is not None else load_topics()

    async def suggest(
        self, agent: Any, text: Text, sender_id: Optional[Text], k: int
    ) -> Tuple[Text, List[Suggestion]]:
        """Suggests up to ``k`` replies to ``text``.

        Args:
            agent: The running agent (``parse_message``, ``tracker_store``, ``nlg``).
            text: The customer's message.
            sender_id: The customer's conversation, whose details tailor the answers.
            k: How many suggestions at most.

        Returns:
            The customer's language and the suggestions, best first.
        """
        # Parsed without the conversation's tracker, so nothing is written to it. This runs
        # the NLU graph on the event loop, as Rasa itself does for every message: it is short
        # (the text is at most MAX_TEXT_CHARS) and Rasa's graph is not meant to be run from
        # several threads at once.
        parse = await agent.parse_message(text)
        slots = await self._conversation_slots(agent, sender_id)
        language = customer_language(text, slots)
        details = merged_details(slots, parse.get("entities") or [])
        suggestions: List[Suggestion] = []
        for intent, confidence in candidates(parse.get("intent_ranking") or [], self.topics):
            answer = await self.answer(agent.nlg, intent, parse, details, language, sender_id)
            # An answer that renders empty (a response missing from the domain) is skipped,
            # and the next intent takes its place.
            if answer:
                topic = self.topics[intent]
                suggestions.append(Suggestion(answer, intent, confidence, topic.source))
            if len(suggestions) == k:
                break
        return language, suggestions

    async def answer(
        self,
        nlg: Any,
        intent: Text,
        parse: Mapping[Text, Any],
        details: Mapping[Text, Any],
        language: Text,
        sender_id: Optional[Text] = None,
    ) -> Text:
        """Renders the answer to ``intent`` as plain text (messages separated by a blank line).

        Tailored when the topic has an action and the details suffice; otherwise, and when the
        rules database fails, the topic's general answer.
        """
        slots = {"language": language, **details}
        replies: List[Tuple[Text, Dict[Text, Any]]] = []
        action = self.actions.get(intent)
        if action is not None:
            replies = await self._tailored(action, parse, slots, sender_id)
        if not replies:
            replies = [(self.topics[intent].general, {})]
        texts = []
        for name, values in replies:
            message = nlg.generate_from_slots(name, slots, CHANNEL_NAME, **values)
            text = as_plain_text(message) if message else ""
            if text:
                texts.append(text)
        return "\n\n".join(texts)

    @staticmethod
    async def _tailored(
        action: TailoredAction,
        parse: Mapping[Text, Any],
        slots: Mapping[Text, Any],
        sender_id: Optional[Text],
    ) -> List[Tuple[Text, Dict[Text, Any]]]:
        """Runs a tailored action on a throwaway tracker; [] when it gives no usable answer."""
        tracker = Tracker(
            sender_id=sender_id or CHANNEL_NAME,
            slots={**slots, "asked_details": []},
            latest_message=dict(parse),
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        try:
            await action.run(dispatcher, tracker, {})
        except Exception:  # a broken action must cost the tailoring, not the suggestion
            logger.exception(
                "Tailored action %s failed; suggesting the general answer", action.topic
            )
            return []
        names = [message.get("response") for message in dispatcher.messages]
        if not names or any(
            not name or name.startswith(_NOT_AN_ANSWER_PREFIX) or name == _RULES_UNAVAILABLE
            for name in names
        ):
            return []
        return [(message["response"], _template_values(message)) for message in dispatcher.messages]

    @staticmethod
    async def _conversation_slots(agent: Any, sender_id: Optional[Text]) -> Dict[Text, Any]:
        """The stored conversation's slot values (read only; {} when unknown or unreachable)."""
        if not sender_id:
            return {}
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:  # without the store we can still suggest untailored answers
            logger.exception("Tracker store unavailable; suggesting without conversation details")
            return {}
        return tracker.current_slot_values() if tracker else {}


# --- HTTP --------------------------------------------------------------------------------------


def json_response(status: int, payload: Mapping[Text, Any]) -> HTTPResponse:
    """A JSON response that no cache keeps; 401s carry the ``WWW-Authenticate`` challenge."""
    headers = UNAUTHORIZED_HEADERS if status == 401 else JSON_HEADERS
    return response.json(dict(payload), status=status, headers=headers)


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


class AgentAssistInput(InputChannel):
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

    @property
    def suggester(self) -> Suggester:
        """The suggester."""
        if self._suggester is None:
            self._suggester = Suggester()
        return self._suggester

    @property
    def feedback(self) -> FeedbackRepository:
        """The feedback store."""
        if self._feedback is None:
            self._feedback = FeedbackRepository(get_engine())
        return self._feedback

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
            return json_response(status, payload)

        @assist.route("/chosen", methods=["POST"])
        async def chosen(request: Request) -> HTTPResponse:
            status, payload = await self.handle_chosen(
                request.headers.get("Authorization"), request.body or b""
            )
            return json_response(status, payload)

        return assist


class AgentConsole(InputChannel):
    """Serves the agent console (``web/agent/``) at ``/agent/``."""

    FILES = {
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "style.css": "text/css; charset=utf-8",
    }
    # Our own files only and no inline script: what the console shows is customer-influenced.
    HEADERS = {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "agent_console"

    def url_prefix(self) -> Text:
        """Absolute, so Rasa's urljoin("/webhooks/", ...) mounts the console at /agent."""
        return "/agent"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for the console's files."""
        console = Blueprint("agent_console", __name__)

        # strict_slashes: otherwise Sanic folds "/agent/" into "/agent" and answers 404 for it.
        @console.route("", methods=["GET"], strict_slashes=True)
        async def bare(request: Request) -> HTTPResponse:
            # The page's relative URLs (app.js) need the trailing slash.
            return response.redirect(request.path + "/")

        @console.route("/", methods=["GET"], strict_slashes=True)
        async def index(request: Request) -> HTTPResponse:
            return await self._file("index.html")

        @console.route("/<name:str>", methods=["GET"])
        async def static(request: Request, name: Text) -> HTTPResponse:
            return await self._file(name)

        return console

    async def _file(self, name: Text) -> HTTPResponse:
        if name not in self.FILES:
            return response.text("Not found", status=404)
        try:
            return await response.file(
                CONSOLE_DIR / name, mime_type=self.FILES[name], headers=self.HEADERS
            )
        except OSError:
            logger.exception("Agent console file %s is unreadable", name)
            return response.text("The agent console is not installed.", status=503)
