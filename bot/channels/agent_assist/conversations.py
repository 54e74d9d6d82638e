"""The agent API for live handoffs (``/webhooks/agent/``): the queue, claiming a conversation,
its transcript with suggested replies, replying into the user's chat, releasing it.

Every route needs ``Authorization: Bearer <token>``: an agent's own token (``python -m
bot.agents add NAME``) or the shared ``AGENT_ASSIST_TOKEN``, which stands for the agent
``assist``.

- ``GET conversations?status=waiting|active|all``: the handed-off conversations, longest
  waiting first, each with its context (language, details, topics, unanswered questions,
  feedback), ``waiting_since`` and ``agent``.
- ``POST conversations/{sender_id}/claim``: 200 for the agent who gets it, 409 for any other
  (atomic across processes and hosts: ``bot/stores/handoff.py``).
- ``GET conversations/{sender_id}``: its transcript and the 3 best replies to the latest user
  message.
- ``POST conversations/{sender_id}/messages`` ``{"text", "suggestion"}``: sent into the user's
  chat at once and recorded as a bot message with ``metadata`` ``agent``, ``suggestion``,
  ``edited``.
- ``POST conversations/{sender_id}/release``: the bot answers again (details kept); the user
  is told.

A background task in every Rasa process tells users nobody picked up after
``HANDOFF_TIMEOUT`` seconds (once per handoff, whichever process gets there first).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, ConversationResumed
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.agents.repository import AgentRepository
from bot.channels import handoff as live
from bot.channels.agent_assist.auth import authenticate_agent, configured_token
from bot.channels.agent_assist.channel import AgentServices, _ready, json_response
from bot.channels.agent_assist.requests import MAX_K, text_field
from bot.channels.agent_assist.suggester import Suggester
from bot.channels.http import RequestError, json_object
from bot.core import handoff as core
from bot.core.limits import MAX_SENDER_CHARS
from bot.feedback.repository import FeedbackRepository
from bot.stores.db import DatabaseUnavailable, get_engine
from bot.stores.handoff import Handoff

logger = logging.getLogger(__name__)

#: Longest agent reply; a suggestion (several bot messages) can be long.
MAX_REPLY_CHARS = 4000
SUGGESTIONS = 3
#: Best answers offered when nobody picks up.
TIMEOUT_ANSWERS = 2


def _sender(sender_id: Text) -> Text:
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        raise RequestError(404, "No such conversation.")
    return sender_id


def parse_reply(raw: bytes, topics: Any) -> Tuple[Text, Optional[Text]]:
    """Validates a ``messages`` body: the text and the suggestion's intent (or None).

    Raises:
        RequestError: 413 or 400 with a message saying what is wrong.
    """
    body = json_object(raw, '{"text": "...", "suggestion": "<intent or null>"}')
    text = text_field(body, "the reply", "write the reply", MAX_REPLY_CHARS)
    suggestion = body.get("suggestion")
    if suggestion is not None and (not isinstance(suggestion, str) or suggestion not in topics):
        raise RequestError(400, "'suggestion' must be the intent of a suggestion, or null.")
    return text, suggestion


class AgentConversationsInput(AgentServices, InputChannel):
    """Live handoffs for support agents (``/webhooks/agent/``)."""

    def __init__(
        self,
        suggester: Optional[Suggester] = None,
        queue: Optional[live.HandoffQueue] = None,
        agents: Optional[AgentRepository] = None,
        feedback: Optional[FeedbackRepository] = None,
        timeout: Optional[float] = None,
    ) -> None:
        """Creates the channel; every argument has a default built on first use (tests inject).

        Args:
            suggester: Builds the suggested replies.
            queue: The handoff queue.
            agents: The agents' tokens.
            feedback: The ratings shown in a conversation's context.
            timeout: Seconds before "nobody picked up"; ``HANDOFF_TIMEOUT`` by default.
        """
        self._suggester = suggester
        self.queue = queue or live.HandoffQueue()
        self._agents = agents
        self._feedback = feedback
        self.timeout = timeout if timeout is not None else settings.get_float("HANDOFF_TIMEOUT")
        self._watcher: Optional[asyncio.Task] = None

    @classmethod
    def name(cls) -> Text:
        """Channel name; also the URL prefix /webhooks/agent/."""
        return "agent"

    @property
    def agents(self) -> AgentRepository:
        """The agents' tokens."""
        if self._agents is None:
            self._agents = AgentRepository(get_engine())
        return self._agents

    def _context(self, events: List[Dict[Text, Any]]) -> core.Context:
        # Topics answered are FAQ topics: small talk has no FAQ source.
        faq = [intent for intent, topic in self.suggester.topics.items() if topic.source]
        return core.context(events, faq)

    async def _authenticate(self, header: Optional[Text]) -> Text:
        token = configured_token()

        def find(presented: Text) -> Optional[Text]:
            return self.agents.find(presented)

        return await asyncio.to_thread(authenticate_agent, header, token, find)

    async def _tracker(self, agent: Any, sender_id: Text) -> Any:
        # The whole conversation: ``retrieve`` gives the bot's turns a window of the latest
        # session (bot/stores/history.py), which would cut an agent's transcript short.
        tracker = await agent.tracker_store.retrieve_full_tracker(_sender(sender_id))
        if tracker is None or not tracker.events:
            raise RequestError(404, "No such conversation.")
        return tracker

    async def _handoff(self, agent: Any, sender_id: Text) -> Optional[Handoff]:
        return await self.queue.call(agent, "handoff", sender_id)

    @staticmethod
    def _held_by_me(handoff: Optional[Handoff], me: Text) -> Handoff:
        if handoff is None:
            raise RequestError(409, "This conversation is not handed to an agent.")
        if handoff.agent != me:
            holder = f"agent {handoff.agent}" if handoff.agent else "nobody yet: claim it first"
            raise RequestError(409, f"This conversation is held by {holder}.")
        return handoff

    def _summary(
        self, handoff: Handoff, events: List[Dict[Text, Any]], ratings: Dict[Text, int], position: Optional[int]
    ) -> Dict[Text, Any]:
        context = self._context(events)
        return {
            "sender_id": handoff.sender_id,
            "status": handoff.status,
            **context.as_json(),
            "feedback": ratings,
            "waiting_since": handoff.waiting_since,
            "timed_out": handoff.timed_out_at is not None,
            "position": position,
            "agent": handoff.agent,
            "last_message": context.last_user_text,
        }

    # --- routes ------------------------------------------------------------------------------

    async def list_conversations(self, agent: Any, me: Text, status: Text) -> Dict[Text, Any]:
        """``GET conversations``."""
        if status not in core.STATUSES:
            raise RequestError(400, f"'status' must be one of: {', '.join(core.STATUSES)}.")
        handoffs = await self.queue.call(agent, "handoffs")
        waiting = [h for h in handoffs if not h.agent]
        selected = [h for h in handoffs if status == "all" or h.status == status]
        ratings = await asyncio.to_thread(
            self.feedback.ratings_by_sender, [h.sender_id for h in selected]
        )
        queue = [(h.sender_id, h.waiting_since) for h in waiting]
        conversations = []
        for handoff in selected:
            tracker = await agent.tracker_store.retrieve(handoff.sender_id)
            # The place the user was told (actions/handoff.py), by the same rule.
            position = core.queue_position(handoff.sender_id, queue) if handoff in waiting else None
            conversations.append(
                self._summary(handoff, live.event_dicts(tracker), ratings.get(handoff.sender_id, {}), position)
            )
        return {"agent": me, "conversations": conversations}

    async def conversation(self, agent: Any, me: Text, sender_id: Text) -> Dict[Text, Any]:
        """``GET conversations/{sender_id}``."""
        tracker = await self._tracker(agent, sender_id)
        events = live.event_dicts(tracker)
        handoff = await self._handoff(agent, sender_id)
        context = self._context(events)
        suggestions: List[Dict[Text, Any]] = []
        if context.last_user_text:
            _, found = await self.suggester.suggest(agent, context.last_user_text, sender_id, SUGGESTIONS)
            suggestions = [s.as_json() for s in found]
        ratings = await asyncio.to_thread(self.feedback.ratings_by_sender, [sender_id])
        return {
            "agent": me,
            "sender_id": sender_id,
            "status": handoff.status if handoff else "bot",
            "holder": handoff.agent if handoff else None,
            "waiting_since": handoff.waiting_since if handoff else None,
            **context.as_json(),
            "feedback": ratings.get(sender_id, {}),
            "events": core.transcript(events),
            "suggestions_for": context.last_user_text,
            "suggestions": suggestions,
        }

    async def claim(self, agent: Any, me: Text, sender_id: Text) -> Dict[Text, Any]:
        """``POST conversations/{sender_id}/claim``."""
        await self._tracker(agent, sender_id)
        handoff = await self._handoff(agent, sender_id)
        if handoff is None:
            raise RequestError(409, "This conversation is not handed to an agent.")
        already_mine = handoff.agent == me
        result = await self.queue.call(agent, "claim", handoff, me)
        if not result.won:
            raise RequestError(409, f"This conversation is held by agent {result.agent}.")
        if not already_mine:
            await live.notify(agent, sender_id, "utter_handoff_joined", "joined")
        return {"sender_id": sender_id, "status": core.ACTIVE, "agent": me}

    async def reply(self, agent: Any, me: Text, sender_id: Text, raw: bytes) -> Dict[Text, Any]:
        """``POST conversations/{sender_id}/messages``."""
        text, suggestion = parse_reply(raw, self.suggester.topics)
        tracker = await self._tracker(agent, sender_id)
        self._held_by_me(await self._handoff(agent, sender_id), me)
        edited = False
        if suggestion:
            edited = not await self._is_suggestion(agent, tracker, sender_id, suggestion, text)
        metadata = {core.AGENT_KEY: me, core.SUGGESTION_KEY: suggestion, core.EDITED_KEY: edited}
        delivered = await live.send(agent, sender_id, [{"text": text}], metadata)
        return {"sender_id": sender_id, "delivered": delivered, **metadata}

    async def _is_suggestion(
        self, agent: Any, tracker: Any, sender_id: Text, intent: Text, text: Text
    ) -> bool:
        # Suggestions are computed again rather than trusted from the console: "edited" is a
        # figure for the team and must not depend on what a client says.
        last = self._context(live.event_dicts(tracker)).last_user_text
        if not last:
            return False
        _, suggestions = await self.suggester.suggest(agent, last, sender_id, MAX_K)
        return any(s.intent == intent and core.same_text(text, s.text) for s in suggestions)

    async def release(self, agent: Any, me: Text, sender_id: Text) -> Dict[Text, Any]:
        """``POST conversations/{sender_id}/release``."""
        await self._tracker(agent, sender_id)
        self._held_by_me(await self._handoff(agent, sender_id), me)
        # action_listen after the resume: the bot's rules expect a user turn to follow one.
        await live.notify(
            agent,
            sender_id,
            "utter_handoff_released",
            "released",
            events_before=[ConversationResumed()],
            events_after=[ActionExecuted("action_listen")],
        )
        return {"sender_id": sender_id, "status": "bot", "agent": None}

    # --- nobody picks up ---------------------------------------------------------------------

    async def check_timeouts(self, agent: Any, now: Optional[float] = None) -> List[Text]:
        """Tells every user who has waited longer than the timeout, once per handoff.

        Returns:
            The conversations told this time.
        """
        now = time.time() if now is None else now
        told = []
        for handoff in await self.queue.call(agent, "handoffs"):
            if handoff.agent or handoff.timed_out_at is not None:
                continue
            if not core.timed_out(handoff.waiting_since, now, self.timeout):
                continue
            if not await self.queue.call(agent, "mark_timed_out", handoff):
                continue  # another process got there first, or an agent just claimed it
            await self._tell_timeout(agent, handoff.sender_id)
            told.append(handoff.sender_id)
        return told

    async def _tell_timeout(self, agent: Any, sender_id: Text) -> None:
        tracker = await agent.tracker_store.retrieve(sender_id)
        last = self._context(live.event_dicts(tracker)).last_user_text
        answers: List[Dict[Text, Any]] = []
        if last:
            try:
                _, found = await self.suggester.suggest(agent, last, sender_id, TIMEOUT_ANSWERS)
                answers = [{"text": s.text} for s in found]
            except Exception:  # the apology and the way to leave a message matter more
                logger.exception("Best answers for %s unavailable", sender_id)
        response = "utter_handoff_timeout" if answers else "utter_handoff_timeout_message"
        await live.notify(agent, sender_id, response, "timeout", extra=answers)

    async def _watch(self, app: Sanic) -> None:
        interval = max(1.0, min(10.0, self.timeout / 5))
        while True:
            await asyncio.sleep(interval)
            agent = getattr(app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                continue
            try:
                await self.check_timeouts(agent)
            except DatabaseUnavailable:
                logger.warning("Handoff queue unavailable; checking timeouts again later")
            except Exception:
                logger.exception("Checking handoff timeouts failed")

    # --- routing -----------------------------------------------------------------------------

    async def _answer(
        self, request: Request, handler: Callable[..., Awaitable[Dict[Text, Any]]], *args: Any
    ) -> HTTPResponse:
        try:
            me = await self._authenticate(request.headers.get("Authorization"))
            agent = _ready(getattr(request.app.ctx, "agent", None))
            return json_response(200, await handler(agent, me, *args))
        except RequestError as e:
            return json_response(e.status, {"error": e.message})
        except DatabaseUnavailable:
            logger.exception("Handoff storage unavailable")
            return json_response(503, {"error": "Conversations are unavailable right now. Please try again."})
        except Exception:
            logger.exception("Agent API request failed")
            return json_response(503, {"error": "Conversations are unavailable right now. Please try again."})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes and its timeout watcher."""
        routes = Blueprint("agent_conversations", __name__)

        @routes.route("/conversations", methods=["GET"])
        async def list_route(request: Request) -> HTTPResponse:
            status = request.args.get("status", "waiting")
            return await self._answer(request, self.list_conversations, status)

        @routes.route("/conversations/<sender_id:str>", methods=["GET"])
        async def show_route(request: Request, sender_id: Text) -> HTTPResponse:
            return await self._answer(request, self.conversation, sender_id)

        @routes.route("/conversations/<sender_id:str>/claim", methods=["POST"])
        async def claim_route(request: Request, sender_id: Text) -> HTTPResponse:
            return await self._answer(request, self.claim, sender_id)

        @routes.route("/conversations/<sender_id:str>/messages", methods=["POST"])
        async def messages_route(request: Request, sender_id: Text) -> HTTPResponse:
            return await self._answer(request, self.reply, sender_id, request.body or b"")

        @routes.route("/conversations/<sender_id:str>/release", methods=["POST"])
        async def release_route(request: Request, sender_id: Text) -> HTTPResponse:
            return await self._answer(request, self.release, sender_id)

        @routes.listener("after_server_start")
        async def start_watcher(app: Sanic, _: Any) -> None:
            self._watcher = asyncio.ensure_future(self._watch(app))

        @routes.listener("before_server_stop")
        async def stop_watcher(app: Sanic, _: Any) -> None:
            if self._watcher is not None:
                self._watcher.cancel()

        return routes
