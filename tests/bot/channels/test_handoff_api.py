"""The agent API for live handoffs, without a server: every status code, claiming, replying into
the user's chat, releasing, the figures' metadata and "nobody picks up".

Rasa's own SQL tracker store (a throwaway SQLite file), lock store, domain and NLG; the agent's
NLU is a fake with fixed parse results; pushes are collected by a fake channel.
"""
from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.channels.agent_assist.auth as assist
from bot.agents.repository import AgentRepository
from bot.channels import push
from bot.channels.agent_assist.conversations import AgentConversationsInput
from bot.channels.agent_assist.suggester import Suggester
from bot.channels.handoff import HandoffQueue, tracker_engine
from bot.feedback.repository import FeedbackRepository
from bot.stores.handoff import HandoffStore

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(str(ROOT / "domain"))
SHARED = "shared-token"


def parse(text: str, *ranking: tuple) -> Dict[str, Any]:
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    return {"text": text, "intent": intents[0], "intent_ranking": intents, "entities": []}


PARSES = {
    "which documents do I upload?": parse(
        "which documents do I upload?", ("faq_documents", 0.6), ("faq_image_requirements", 0.25),
        ("faq_cannot_upload", 0.15),
    ),
    "需要上传哪些资料？": parse("需要上传哪些资料？", ("faq_documents", 0.9), ("faq_image_requirements", 0.05)),
}


class FakeAgent:
    """The parts of Rasa's Agent the handoff API uses, over real stores."""

    def __init__(self, db: Path) -> None:
        self.tracker_store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
        self.lock_store = InMemoryLockStore()
        self.nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> Dict[str, Any]:
        return PARSES.get(text) or parse(text, ("nlu_fallback", 0.3))

    def handed_off(self, sender_id: str, question: str, language: str = "en", at: float = 1000.0) -> None:
        """Stores a conversation that asked ``question`` then asked for a human."""
        intent = PARSES[question]["intent"]
        events = [
            ActionExecuted("action_listen", timestamp=at - 10),
            UserUttered(question, intent, [], parse_data=PARSES[question], input_channel="socketio", timestamp=at - 9),
            SlotSet("language", language, timestamp=at - 9),
            SlotSet("province", "anhui", timestamp=at - 9),
            BotUttered("the answer", metadata={"utter_action": "utter_faq_documents"}, timestamp=at - 8),
            ActionExecuted("action_listen", timestamp=at - 8),
            UserUttered("/human_handoff", {"name": "human_handoff", "confidence": 1.0}, input_channel="socketio", timestamp=at - 1),
            ActionExecuted("action_handoff", timestamp=at),
            ConversationPaused(timestamp=at),
        ]
        tracker = DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)
        asyncio.run(self.tracker_store.save(tracker))

    def tracker(self, sender_id: str) -> DialogueStateTracker:
        return asyncio.run(self.tracker_store.retrieve(sender_id))


class Pushed:
    """A channel that can push: collects what it was given."""

    def __init__(self) -> None:
        self.messages: List[tuple] = []

    def __call__(self) -> "Pushed":
        return self

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append((recipient_id, message))


@pytest.fixture
def setup(tmp_path, engine, rules_repo, monkeypatch):
    monkeypatch.setenv(assist.TOKEN_ENV, SHARED)
    monkeypatch.setattr(assist, "TOKEN_FILE", tmp_path / "none")
    agent = FakeAgent(tmp_path / "tracker.db")
    agents = AgentRepository(engine)
    channel = AgentConversationsInput(
        suggester=Suggester(repository=rules_repo),
        queue=HandoffQueue(HandoffStore(engine, tracker_engine(agent.tracker_store))),
        agents=agents,
        feedback=FeedbackRepository(engine),
        timeout=300,
    )
    pushed = Pushed()
    push.register("socketio", pushed)
    tokens = {"alice": agents.add("alice"), "bob": agents.add("bob")}
    yield SimpleNamespace(agent=agent, channel=channel, pushed=pushed, tokens=tokens, feedback=FeedbackRepository(engine))
    push.unregister("socketio")


def call(setup, handler: str, token: Optional[str], *args: Any, body: Any = None):
    """(status, JSON) of one route handler, as the blueprint calls it."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    request = SimpleNamespace(
        headers={"Authorization": f"Bearer {token}"} if token else {},
        app=SimpleNamespace(ctx=SimpleNamespace(agent=setup.agent)),
    )
    channel = setup.channel
    method = getattr(channel, handler)
    if handler == "reply":
        args = args + (raw,)
    response = asyncio.run(channel._answer(request, method, *args))
    return response.status, json.loads(response.body)


def test_every_route_needs_a_valid_token(setup):
    setup.agent.handed_off("u1", "which documents do I upload?")
    for handler, args in [("list_conversations", ("waiting",)), ("conversation", ("u1",)),
                          ("claim", ("u1",)), ("release", ("u1",))]:
        assert call(setup, handler, None, *args)[0] == 401
        assert call(setup, handler, "wrong", *args)[0] == 401
    status, _ = call(setup, "list_conversations", SHARED, "waiting")
    assert status == 200


def test_queue_lists_the_waiting_conversation_with_its_context(setup):
    setup.agent.handed_off("u1", "which documents do I upload?", at=1000)
    setup.agent.handed_off("u2", "需要上传哪些资料？", language="zh", at=2000)
    setup.feedback.record(sender_id="u1", question="q", answer_key="utter_faq_documents",
                          language="en", rating="not_helpful")
    status, payload = call(setup, "list_conversations", setup.tokens["alice"], "waiting")
    assert status == 200 and payload["agent"] == "alice"
    first, second = payload["conversations"]
    assert (first["sender_id"], first["position"], second["sender_id"], second["position"]) == ("u1", 1, "u2", 2)
    assert first["status"] == "waiting" and first["agent"] is None and first["waiting_since"] == 1000
    assert first["details"]["province"] == "anhui"
    assert first["topics"] == ["faq_documents"]
    assert first["feedback"] == {"not_helpful": 1}
    assert second["language"] == "zh"
    assert call(setup, "list_conversations", SHARED, "active")[1]["conversations"] == []
    assert call(setup, "list_conversations", SHARED, "bogus")[0] == 400


def test_claim_then_reply_reaches_the_chat_and_is_recorded(setup):
    setup.agent.handed_off("u1", "which documents do I upload?")
    alice, bob = setup.tokens["alice"], setup.tokens["bob"]
    assert call(setup, "claim", alice, "u1") == (200, {"sender_id": "u1", "status": "active", "agent": "alice"})
    # The user is told an agent joined, in their language.
    assert setup.pushed.messages[-1] == ("u1", {"text": "A support agent has joined the chat."})
    assert call(setup, "claim", alice, "u1")[0] == 200  # idempotent, no second notice
    assert len(setup.pushed.messages) == 1
    status, payload = call(setup, "claim", bob, "u1")
    assert status == 409 and "alice" in payload["error"]
    assert call(setup, "list_conversations", bob, "active")[1]["conversations"][0]["agent"] == "alice"

    status, shown = call(setup, "conversation", alice, "u1")
    assert status == 200 and shown["status"] == "active"
    assert [e["type"] for e in shown["events"]][:3] == ["user", "bot", "user"]
    assert all(isinstance(e["timestamp"], float) for e in shown["events"])
    assert shown["suggestions_for"] == "which documents do I upload?"
    suggestion = shown["suggestions"][0]
    assert len(shown["suggestions"]) == 3 and suggestion["intent"] == "faq_documents"

    status, sent = call(setup, "reply", alice, "u1", body={"text": suggestion["text"], "suggestion": "faq_documents"})
    assert status == 200 and sent["edited"] is False and sent["delivered"] is True
    status, sent = call(setup, "reply", alice, "u1", body={"text": "Hello, I'm Alice.", "suggestion": "faq_documents"})
    assert sent["edited"] is True
    call(setup, "reply", alice, "u1", body={"text": "Anything else?", "suggestion": None})
    assert setup.pushed.messages[-1] == ("u1", {"text": "Anything else?"})
    bots = [e for e in setup.agent.tracker("u1").events if isinstance(e, BotUttered) and e.metadata.get("agent")]
    assert [(b.metadata["suggestion"], b.metadata["edited"]) for b in bots] == [
        ("faq_documents", False), ("faq_documents", True), (None, False)]
    assert call(setup, "reply", bob, "u1", body={"text": "hi", "suggestion": None})[0] == 409


def test_reply_body_errors_are_400(setup):
    setup.agent.handed_off("u1", "which documents do I upload?")
    alice = setup.tokens["alice"]
    call(setup, "claim", alice, "u1")
    for body in [b"not json", [], {}, {"text": 3}, {"text": "   "}, {"text": "x" * 4001},
                 {"text": "hi", "suggestion": "no_such_intent"}, {"text": "hi", "suggestion": 5}]:
        status, payload = call(setup, "reply", alice, "u1", body=body)
        assert status == 400 and payload["error"], body


def test_unknown_conversations_are_404_and_bot_conversations_409(setup):
    alice = setup.tokens["alice"]
    for handler in ("conversation", "claim", "release"):
        assert call(setup, handler, alice, "nobody")[0] == 404
    assert call(setup, "claim", alice, "x" * 500)[0] == 404
    setup.agent.handed_off("u1", "which documents do I upload?")
    call(setup, "claim", alice, "u1")
    call(setup, "release", alice, "u1")
    # Back with the bot: nothing to claim or answer.
    assert call(setup, "claim", alice, "u1")[0] == 409
    assert call(setup, "reply", alice, "u1", body={"text": "hi"})[0] == 409


def test_release_gives_the_conversation_back_and_tells_the_user(setup):
    setup.agent.handed_off("u2", "需要上传哪些资料？", language="zh")
    alice, bob = setup.tokens["alice"], setup.tokens["bob"]
    assert call(setup, "release", alice, "u2")[0] == 409  # nobody holds it yet
    call(setup, "claim", alice, "u2")
    assert call(setup, "release", bob, "u2")[0] == 409
    assert call(setup, "release", alice, "u2") == (200, {"sender_id": "u2", "status": "bot", "agent": None})
    assert setup.pushed.messages[-1][1]["text"].startswith("人工客服已离开对话")
    tracker = setup.agent.tracker("u2")
    assert not tracker.is_paused() and tracker.get_slot("province") == "anhui"
    assert tracker.latest_action_name == "action_listen"
    assert call(setup, "list_conversations", alice, "all")[1]["conversations"] == []


def test_the_shared_token_is_one_agent(setup):
    setup.agent.handed_off("u1", "which documents do I upload?")
    assert call(setup, "claim", SHARED, "u1")[1]["agent"] == "assist"
    assert call(setup, "claim", setup.tokens["alice"], "u1")[0] == 409


def test_two_agents_racing_to_claim_have_exactly_one_winner(setup):
    alice, bob = setup.tokens["alice"], setup.tokens["bob"]
    for round_ in range(20):
        sender = f"race-{round_}"
        setup.agent.handed_off(sender, "which documents do I upload?", at=1000 + round_)
        barrier = threading.Barrier(2)
        results: Dict[str, int] = {}

        def claim(name: str, token: str) -> None:
            barrier.wait()
            results[name] = call(setup, "claim", token, sender)[0]

        threads = [threading.Thread(target=claim, args=a) for a in (("alice", alice), ("bob", bob))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == [200, 409], (round_, results)


def test_nobody_picks_up_tells_the_user_once_with_the_best_answers(setup):
    setup.agent.handed_off("u1", "which documents do I upload?", at=1000)
    channel = setup.channel
    assert asyncio.run(channel.check_timeouts(setup.agent, now=1200)) == []
    assert asyncio.run(channel.check_timeouts(setup.agent, now=1300)) == ["u1"]
    assert asyncio.run(channel.check_timeouts(setup.agent, now=1400)) == []
    texts = [m["text"] for _, m in setup.pushed.messages]
    assert texts[0].startswith("Sorry, no support agent is free yet.") and "leave a message" in texts[0]
    assert len(texts) == 3  # the notice and the two best answers
    # Still kept for the agents.
    waiting = call(setup, "list_conversations", setup.tokens["alice"], "waiting")[1]["conversations"]
    assert waiting[0]["sender_id"] == "u1" and waiting[0]["timed_out"] is True
    assert setup.agent.tracker("u1").is_paused()


def test_a_claimed_conversation_never_times_out(setup):
    setup.agent.handed_off("u1", "which documents do I upload?", at=1000)
    call(setup, "claim", setup.tokens["alice"], "u1")
    assert asyncio.run(setup.channel.check_timeouts(setup.agent, now=99999)) == []


def test_a_not_helpful_rating_offers_an_agent_in_the_chat(setup):
    from bot.channels.web import offer_agent

    setup.agent.handed_off("paused", "which documents do I upload?")
    assert asyncio.run(offer_agent(setup.agent, "paused")) is False  # already with the agents
    assert asyncio.run(offer_agent(setup.agent, "nobody")) is False
    events = [ActionExecuted("action_listen"), UserUttered("hi", input_channel="socketio"), SlotSet("language", "zh")]
    asyncio.run(setup.agent.tracker_store.save(
        DialogueStateTracker.from_events("u3", events, slots=DOMAIN.slots)))
    assert asyncio.run(offer_agent(setup.agent, "u3")) is True
    recipient, message = setup.pushed.messages[-1]
    assert recipient == "u3" and message["buttons"][0]["payload"] == "/human_handoff"
    assert message["text"].startswith("抱歉")
