"""The socket.io channel: input rules, never-silent turns, answer keys, session rooms."""
from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest

from socketio import AsyncManager, AsyncRedisManager, AsyncServer

from bot import settings
from bot.channels import screening
from bot.core import session_proof
from bot.core.channel_messages import channel_text
from bot.core.limits import MAX_MESSAGE_CHARS
from bot.channels.socketio import (
    REDIS_CHANNEL,
    SafeSocketIOInput,
    SafeSocketIOOutput,
    client_manager,
    install_client_manager,
    sanitize_message,
    sanitize_session_request,
)


SECRET = "test-session-secret"
# A widget session id this server issued, and the conversation it names.
SIGNED = session_proof.issue(SECRET.encode())
CONVERSATION = SIGNED.split(".")[0]


@pytest.fixture(autouse=True)
def session_secret() -> Any:
    """Every test signs and checks session ids with the same known key."""
    with settings.override(SESSION_SECRET=SECRET):
        yield


@pytest.fixture(autouse=True)
def rules(rules_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed detail payloads are checked against the test rules database."""
    monkeypatch.setattr(screening, "_repository", rules_repo)


class RecordingServer:
    """Stands in for socketio.AsyncServer: records emits and room joins."""

    def __init__(self) -> None:
        self.emitted: List[Dict[str, Any]] = []
        self.rooms: List[tuple] = []

    async def emit(self, event: str, data: Any = None, room: Optional[str] = None, **kwargs: Any) -> None:
        self.emitted.append({"event": event, "data": data, "room": room, **kwargs})

    async def enter_room(self, sid: str, room: str, namespace: Optional[str] = None) -> None:
        self.rooms.append((sid, room))


class FakeNLG:
    """Renders a response as "<name>/<language>"; English is the default variation, as in domain/."""

    def generate_from_slots(self, name: str, slots: Dict[str, Any], channel: str) -> Dict[str, Any]:
        return {"text": f"{name}/{slots.get('language') or 'en'}"}


class FakeTrackerStore:
    async def retrieve(self, sender_id: str) -> None:
        return None


def make_channel(**kwargs: Any):
    """A channel wired to a recording server and a fake agent; returns (channel, server, calls)."""
    calls: List[Any] = []
    behaviour: Dict[str, Any] = {"reply": None, "raise": None}

    async def on_new_message(message: Any) -> None:
        calls.append(message)
        if behaviour["raise"]:
            raise behaviour["raise"]
        if behaviour["reply"]:
            await message.output_channel.send_response(message.sender_id, dict(behaviour["reply"]))

    channel = SafeSocketIOInput(**{"session_persistence": True, **kwargs})
    channel.blueprint(on_new_message)
    server = RecordingServer()
    channel.sio.emit = server.emit
    channel.sio.enter_room = server.enter_room
    agent = SimpleNamespace(nlg=FakeNLG(), tracker_store=FakeTrackerStore())
    channel._app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    channel.behaviour = behaviour
    return channel, server, calls


async def utter(channel: SafeSocketIOInput, data: Any, sid: str = "sid-1") -> None:
    await channel.sio.handlers["/"]["user_uttered"](sid, data)


def bot_messages(server: RecordingServer) -> List[Dict[str, Any]]:
    return [e for e in server.emitted if e["event"] == "bot_uttered"]


# --- output channel ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_output_tags_every_part_with_the_response_name() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    await output.send_response(
        "room-1",
        {
            "text": "first part\n\nsecond part",
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
            "utter_action": "utter_greet",
        },
    )
    sent = [e["data"] for e in server.emitted]
    assert [m["text"] for m in sent] == ["first part", "second part"]
    assert all(m["metadata"] == {"utter_action": "utter_greet"} for m in sent)
    assert sent[-1]["quick_replies"][0]["payload"] == "/affirm"
    assert {e["room"] for e in server.emitted} == {"room-1"}
    assert output.sent == sent


@pytest.mark.asyncio
async def test_output_without_a_response_name_sends_stock_messages() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    await output.send_response("room-1", {"text": "hello"})
    await output.send_response("room-1", {"custom": {"kind": "card"}})
    assert server.emitted[0]["data"] == {"text": "hello"}
    assert output.sent == [{"text": "hello"}, {"kind": "card", "room": "room-1"}]


@pytest.mark.asyncio
async def test_output_name_does_not_leak_into_the_next_message() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    await output.send_response("r", {"text": "a", "utter_action": "utter_greet"})
    await output.send_response("r", {"text": "b"})
    assert "metadata" not in server.emitted[1]["data"]


# --- payload coercion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"message": "hi", "session_id": "s1"}, {"message": "hi", "session_id": "s1", "metadata": {}}),
        ({"message": 5, "session_id": "s1"}, {"message": "", "session_id": "s1", "metadata": {}}),
        ({"message": "hi", "session_id": 7}, {"message": "hi", "metadata": {}}),
        ({"message": "hi", "session_id": "x" * 129}, {"message": "hi", "metadata": {}}),
        ({"message": "hi", "metadata": '{"a": 1}'}, {"message": "hi", "metadata": {"a": 1}}),
        ({"message": "hi", "metadata": "{broken"}, {"message": "hi", "metadata": {}}),
        ({"message": "hi", "metadata": [1]}, {"message": "hi", "metadata": {}}),
        ("just a string", {"message": "", "metadata": {}}),
        (None, {"message": "", "metadata": {}}),
    ],
)
def test_sanitize_message(data: Any, expected: Dict[str, Any]) -> None:
    assert sanitize_message(data, "metadata") == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"session_id": "abc"}, {"session_id": "abc"}),
        ({"session_id": None}, {}),
        ({"session_id": 12}, {}),
        ({"session_id": ""}, {}),
        ("abc", {}),
        (None, {}),
    ],
)
def test_sanitize_session_request(data: Any, expected: Dict[str, Any]) -> None:
    assert sanitize_session_request(data) == expected


# --- sessions ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_session_request_joins_the_session_room() -> None:
    channel, server, _ = make_channel()
    await channel.sio.handlers["/"]["session_request"]("sid-1", {"session_id": SIGNED})
    assert server.rooms == [("sid-1", CONVERSATION)]
    assert server.emitted == [
        {"event": "session_confirm", "data": SIGNED, "room": "sid-1", "namespace": None}
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("data", [None, {}, {"session_id": 5}, "garbage"])
async def test_session_request_without_a_usable_id_gets_a_new_one(data: Any) -> None:
    channel, server, _ = make_channel()
    await channel.sio.handlers["/"]["session_request"]("sid-1", data)
    new_id = server.emitted[0]["data"]
    assert session_proof.conversation_of(new_id) == new_id.split(".")[0]
    assert server.rooms == [("sid-1", new_id.split(".")[0])]
    assert len(server.emitted) == 1  # nothing was asked for, so nothing was refused


@pytest.mark.asyncio
async def test_without_session_persistence_no_room_is_joined() -> None:
    channel, server, calls = make_channel(session_persistence=False)
    channel.behaviour["reply"] = {"text": "hello", "utter_action": "utter_greet"}
    await channel.sio.handlers["/"]["session_request"]("sid-1", {"session_id": SIGNED})
    await utter(channel, {"message": "hi"})
    assert server.rooms == []
    assert calls[0].sender_id == "sid-1"
    assert bot_messages(server)[0]["room"] == "sid-1"


@pytest.mark.asyncio
async def test_the_session_id_is_the_conversation_and_the_reply_room() -> None:
    channel, server, calls = make_channel()
    channel.behaviour["reply"] = {"text": "hello", "utter_action": "utter_greet"}
    await utter(channel, {"message": "hi", "session_id": SIGNED})
    assert calls[0].sender_id == CONVERSATION
    assert calls[0].input_channel == "socketio"
    assert bot_messages(server) == [
        {
            "event": "bot_uttered",
            "data": {"text": "hello", "metadata": {"utter_action": "utter_greet"}},
            "room": CONVERSATION,
        }
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "data",
    [{"message": "hi"}, {"message": "hi", "session_id": 7}, {"message": "hi", "session_id": ""},
     {"message": "hi", "session_id": "x" * 129}, "hi", None],
)
async def test_a_message_without_a_usable_session_id_gets_a_reload_message(data: Any) -> None:
    channel, server, calls = make_channel()
    await utter(channel, data)
    assert calls == []
    assert bot_messages(server) == [
        {
            "event": "bot_uttered",
            "data": {"text": channel_text("session_missing", "en" if isinstance(data, dict) else None)},
            "room": "sid-1",
            "namespace": None,
        }
    ]


@pytest.mark.asyncio
async def test_a_non_string_message_is_answered_with_guidance() -> None:
    channel, server, calls = make_channel()
    await utter(channel, {"message": {"text": "hi"}, "session_id": SIGNED})
    assert calls == []
    assert [m["data"]["text"] for m in bot_messages(server)] == ["utter_empty_message/en"]


@pytest.mark.asyncio
async def test_a_packet_nested_too_deep_is_answered_not_raised(caplog) -> None:
    caplog.set_level(logging.INFO)
    channel, server, calls = make_channel()
    deep = '2["user_uttered",{"message":"hi","session_id":"abc","x":' + "[" * 1000 + "]" * 1000 + "}]"
    packet = channel.sio.packet_class(encoded_packet=deep)
    assert packet.data == ["user_uttered"]
    # As python-socketio calls it: the event's arguments after the connection id.
    await channel.sio.handlers["/"]["user_uttered"]("sid-1", *packet.data[1:])
    assert calls == []
    assert "session" in bot_messages(server)[0]["data"]["text"]
    assert "nested deeper" in caplog.text and "Traceback" not in caplog.text
    # Ordinary packets decode as before.
    assert channel.sio.packet_class(encoded_packet='2["user_uttered",{"a":[1]}]').data == [
        "user_uttered", {"a": [1]}
    ]


@pytest.mark.parametrize(
    "metadata",
    ["[" * 1000 + "]" * 1000, {"a": {"b": {"c": {"d": {"e": 1}}}}}, {"x": "y" * 5000}],
)
def test_oversized_metadata_is_dropped(metadata: Any) -> None:
    assert sanitize_message({"message": "hi", "metadata": metadata}, "metadata")["metadata"] == {}


# --- backlog cap ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_backlog_gets_one_moment_then_answers_in_order_and_refuses_beyond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.agent import Agent

    from bot.server import patches

    answered: List[str] = []
    release = asyncio.Event()

    async def slow_bot(self: Any, message: Any) -> None:
        await release.wait()
        answered.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": f"re {message.text}"})

    monkeypatch.setattr(Agent, "handle_message", slow_bot)
    patches.patch_turn_gate()
    channel, server, _ = make_channel()
    channel.behaviour["agent_turns"] = True

    async def on_new_message(message: Any) -> None:
        await Agent.handle_message(None, message)

    channel.blueprint(on_new_message)
    channel.sio.emit = server.emit
    channel.sio.enter_room = server.enter_room
    with settings.override(MAX_PENDING_PER_SENDER="2"):
        turns = [asyncio.create_task(utter(channel, {"message": f"q{i}", "session_id": SIGNED}))
                 for i in range(10)]
        await asyncio.sleep(0.05)
        notices = [m["data"]["text"] for m in bot_messages(server)]
        # q2 went over the cap of 2: "one moment", once; q8 and q9 were over 4 x 2: refused.
        assert notices == [channel_text("one_moment", "en")] + [
            channel_text("too_many_pending", "en")
        ] * 2
        release.set()
        await asyncio.gather(*turns)
    assert answered == [f"q{i}" for i in range(8)]


# --- input rules and never-silent turns -------------------------------------------------------


@pytest.mark.asyncio
async def test_control_characters_are_removed_before_nlu() -> None:
    channel, _, calls = make_channel()
    channel.behaviour["reply"] = {"text": "ok"}
    await utter(channel, {"message": "\x00 which\x1b documents? \x07", "session_id": SIGNED})
    assert calls[0].text == "which  documents?"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message, reply",
    [
        ("", "utter_empty_message/en"),
        ("  \n\t\x00 ", "utter_empty_message/en"),
        (5, "utter_empty_message/en"),
        ("a" * (MAX_MESSAGE_CHARS + 1), "utter_message_too_long/en"),
        ("备" * (MAX_MESSAGE_CHARS + 1), "utter_message_too_long/zh"),
    ],
    ids=["empty", "blank", "number", "too-long-en", "too-long-zh"],
)
async def test_empty_and_too_long_messages_get_guidance_without_nlu(message: Any, reply: str) -> None:
    channel, server, calls = make_channel()
    await utter(channel, {"message": message, "session_id": SIGNED})
    assert calls == []
    sent = bot_messages(server)
    assert [m["data"]["text"] for m in sent] == [reply]
    assert sent[0]["data"]["metadata"] == {"utter_action": reply.split("/")[0]}
    assert sent[0]["room"] == CONVERSATION


@pytest.mark.asyncio
async def test_a_message_of_exactly_the_limit_goes_to_nlu() -> None:
    channel, _, calls = make_channel()
    channel.behaviour["reply"] = {"text": "ok"}
    await utter(channel, {"message": "a" * MAX_MESSAGE_CHARS, "session_id": SIGNED})
    assert len(calls) == 1


@pytest.mark.asyncio
async def test_a_silent_turn_gets_an_apology_and_the_general_answer() -> None:
    channel, server, calls = make_channel()  # on_new_message sends nothing: action server down
    await utter(channel, {"message": "which documents do I need?", "session_id": SIGNED})
    assert len(calls) == 1
    texts = [m["data"]["text"] for m in bot_messages(server)]
    assert texts == ["utter_service_unavailable/en", "utter_default/en"]
    assert {m["room"] for m in bot_messages(server)} == {CONVERSATION}


@pytest.mark.asyncio
async def test_a_failing_turn_is_not_silent() -> None:
    channel, server, _ = make_channel()
    channel.behaviour["raise"] = RuntimeError("boom")
    await utter(channel, {"message": "需要哪些材料", "session_id": SIGNED})
    texts = [m["data"]["text"] for m in bot_messages(server)]
    assert texts == ["utter_service_unavailable/zh", "utter_default/zh"]


@pytest.mark.asyncio
async def test_without_an_agent_the_reply_says_the_assistant_is_starting() -> None:
    channel, server, _ = make_channel()
    channel._app = None
    await utter(channel, {"message": "", "session_id": SIGNED})
    (message,) = bot_messages(server)
    assert "starting up" in message["data"]["text"]


@pytest.mark.asyncio
async def test_a_turn_that_replied_gets_nothing_more() -> None:
    channel, server, _ = make_channel()
    channel.behaviour["reply"] = {"text": "answer", "utter_action": "utter_greet"}
    await utter(channel, {"message": "which documents?", "session_id": SIGNED})
    assert [m["data"]["text"] for m in bot_messages(server)] == ["answer"]


@pytest.mark.asyncio
async def test_an_faq_answer_ends_with_its_source_line() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    await output.send_response(
        "room-1",
        {
            "text": "Filing several domain names in Gansu: ...",
            "utter_action": "utter_multi_domain_widened_form",
            "rules_valid_as_of": "2025-01-01",
        },
    )
    (answer,) = [e["data"] for e in server.emitted]
    assert answer["metadata"] == {"utter_action": "utter_multi_domain_widened_form"}
    assert answer["text"] == (
        "Filing several domain names in Gansu: ...\n"
        "*Source: FAQ “Considerations for completing the authenticity verification form” "
        "(#section_z2v_rbt_zdb), [https://beian.aliyun.com/#MapDataContainer]"
        "(https://beian.aliyun.com/#MapDataContainer) · Province rules valid as of 2025-01-01.*"
    )


@pytest.mark.asyncio
async def test_the_source_line_stays_in_the_bubble_with_the_buttons() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    await output.send_response(
        "room-1",
        {
            "text": "first part\n\nsecond part",
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
            "utter_action": "utter_faq_documents",
        },
    )
    first, last = [e["data"] for e in server.emitted]
    assert first["text"] == "first part"
    assert last["text"].startswith("second part\n*Source: FAQ “Document upload requirements”")
    assert last["quick_replies"][0]["payload"] == "/affirm"


@pytest.mark.asyncio
async def test_the_checklist_link_becomes_a_markdown_link() -> None:
    server = RecordingServer()
    output = SafeSocketIOOutput(server, "bot_uttered")
    url = "/help/checklist?province=jiangxi&domains=3&lang=en"
    await output.send_response("room-1", {"text": f"Printable version: {url}", "utter_action": "utter_checklist"})
    (text,) = [e["data"]["text"] for e in server.emitted]
    assert text.startswith(f"Printable version: [{url}]({url})\n*Source: FAQ “Document upload FAQs”")


def test_external_events_use_the_tagging_output() -> None:
    channel, _, _ = make_channel()
    assert isinstance(channel.get_output_channel(), SafeSocketIOOutput)
    assert SafeSocketIOInput.name() == "socketio"


# --- client manager: in-process or shared through Redis ---------------------------------------


def test_without_a_redis_url_the_manager_is_in_process() -> None:
    assert client_manager("") is None
    assert client_manager("  ") is None
    with settings.override(SOCKETIO_REDIS_URL=""):
        channel, _, _ = make_channel()
    assert type(channel.sio.manager) is AsyncManager


@pytest.mark.parametrize(
    "url", ["redis://:secret@127.0.0.1:6380/0", "rediss://cache.internal:6379/1", "unix:///run/r.sock"]
)
def test_a_redis_url_gives_the_redis_manager(url: str) -> None:
    manager = client_manager(url)
    assert isinstance(manager, AsyncRedisManager)
    assert manager.redis_url == url
    assert manager.channel == REDIS_CHANNEL
    assert not manager.connected  # connects on first use, not when Rasa builds its routes


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "postgresql://db/x", "sqlite:///var/x.db"])
def test_a_url_that_is_not_redis_is_refused(url: str) -> None:
    with pytest.raises(settings.SettingError, match="SOCKETIO_REDIS_URL"):
        client_manager(url)


def test_the_channel_installs_the_redis_manager_on_rasas_server() -> None:
    with settings.override(SOCKETIO_REDIS_URL="redis://127.0.0.1:6380/0"):
        channel, _, _ = make_channel()
    manager = channel.sio.manager
    assert isinstance(manager, AsyncRedisManager)
    assert manager.server is channel.sio
    assert not channel.sio.manager_initialized
    # The output channel (turns and pushes) emits through the server, hence the manager.
    assert channel.get_output_channel().sio is channel.sio


def test_a_manager_in_use_is_not_replaced() -> None:
    server = AsyncServer(async_mode="asgi")
    server.manager_initialized = True
    with pytest.raises(RuntimeError):
        install_client_manager(server, AsyncRedisManager("redis://127.0.0.1:6380/0"))


@pytest.mark.asyncio
async def test_an_emit_reaches_local_clients_and_is_published_for_the_other_processes() -> None:
    # Two servers (two processes), one Redis: what server B emits to a room reaches server A's
    # client through the queue. Redis is replaced by a list both managers read.
    queue: List[Dict[str, Any]] = []
    servers, sent = [], []
    for name in ("A", "B"):
        server = AsyncServer(async_mode="asgi")
        manager = AsyncRedisManager("redis://127.0.0.1:6380/0")

        async def publish(data: Dict[str, Any]) -> None:
            queue.append(data)

        manager._publish = publish
        install_client_manager(server, manager)

        async def send(eio_sid: str, eio_packet: Any, name: str = name) -> None:
            # The socket.io EVENT packet ("2" + JSON) inside the engine.io message.
            sent.append((name, eio_sid, eio_packet.data))

        server._send_eio_packet = send
        servers.append(server)
    a, b = servers
    sid = await a.manager.connect("eio-a", "/")
    await a.enter_room(sid, "conversation-1")
    await b.emit("bot_uttered", {"text": "from an agent"}, room="conversation-1")
    assert sent == []  # B has no such client
    assert [m["room"] for m in queue] == ["conversation-1"]
    for message in queue:
        await a.manager._handle_emit(message)  # what A's Redis listener does
    assert sent == [("A", "eio-a", '2["bot_uttered",{"text":"from an agent"}]')]


# --- live: the widget's protocol against the running bot --------------------------------------


class WidgetClient:
    """Talks to the bot like rasa-webchat: session_request, then user_uttered with session_id."""

    def __init__(self, bot_url: str, session_id: Optional[str] = None, strict: bool = True) -> None:
        import socketio

        self.url = bot_url
        self.session_id = session_id
        self.strict = strict
        self.client = socketio.AsyncClient(reconnection=False)
        self.messages: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.confirmed: "asyncio.Future[str]" = asyncio.get_running_loop().create_future()
        self.client.on("bot_uttered", self.messages.put_nowait)
        self.client.on("session_confirm", self._confirm)

    def _confirm(self, session_id: str) -> None:
        if not self.confirmed.done():
            self.confirmed.set_result(session_id)

    async def __aenter__(self) -> "WidgetClient":
        # Long-polling: the pinned aiohttp is too old for python-engineio's websocket client (the
        # browser tests cover websockets).
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        confirmed = await asyncio.wait_for(self.confirmed, 10)
        # The server issues signed ids: a new widget gets one, a known one is continued.
        assert not self.strict or self.session_id in (None, confirmed)
        self.session_id = confirmed
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # A graceful disconnect of a polling client waits out the pending long-poll (30 s);
        # closing the engine.io session is what the server needs to see.
        await self.client.eio.disconnect(abort=True)

    async def say(self, message: Any, quiet: float = 1.5) -> List[Dict[str, Any]]:
        """Sends a message; returns the bot messages until none came for ``quiet`` seconds."""
        await self.client.emit("user_uttered", {"message": message, "session_id": self.session_id})
        replies = [await asyncio.wait_for(self.messages.get(), 60)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.messages.get(), quiet))
            except asyncio.TimeoutError:
                return replies


def new_session() -> None:
    """No session id yet: the server issues one, as to a first-time visitor."""
    return None


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_answer_carries_its_response_name(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        replies = await widget.say("what image formats can i upload?")
    assert "4 MB" in " ".join(r.get("text", "") for r in replies)
    assert replies[0]["metadata"] == {"utter_action": "utter_faq_image_requirements"}


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_buttons_come_as_quick_replies(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        replies = await widget.say("/greet")
    payloads = [q["payload"] for r in replies for q in r.get("quick_replies") or []]
    assert "/faq_documents" in payloads
    assert replies[-1]["metadata"] == {"utter_action": "utter_greet"}


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message, answer_key",
    [
        ("", "utter_empty_message"),
        (" \x00\x1b ", "utter_empty_message"),
        (12345, "utter_empty_message"),
        ("a" * 20000, "utter_message_too_long"),
    ],
    ids=["empty", "control-characters", "number", "too-long"],
)
async def test_live_odd_messages_get_guidance(bot_url: str, message: Any, answer_key: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        replies = await widget.say(message)
    assert [r["metadata"]["utter_action"] for r in replies] == [answer_key]
    assert replies[0]["text"]


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_html_is_passed_as_text_and_answered(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        replies = await widget.say("<script>alert(1)</script><img src=x onerror=alert(2)>")
    assert replies and all(r.get("text") for r in replies)
    assert all("<script>" not in r["text"] and "onerror" not in r["text"] for r in replies)


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_session_continues_on_a_new_connection(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        asked = await widget.say("does the mobile app upload work for my region?")
        session_id = widget.session_id
    assert "province" in " ".join(r["text"] for r in asked).lower()
    # A reload: a new socket with the stored session id answers within the same conversation.
    async with WidgetClient(bot_url, session_id) as widget:
        answered = await widget.say("fujian")
    text = " ".join(r["text"] for r in answered)
    assert "Fujian" in text and "yes" in text.lower()


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_replies_reach_every_tab_of_the_session(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as first, WidgetClient(bot_url, first.session_id) as second:
        replies = await first.say("hello")
        echoed = [await asyncio.wait_for(second.messages.get(), 10) for _ in replies]
    assert echoed == replies


# --- ownership: signed session ids; personal data; typed commands -----------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "forged",
    [
        CONVERSATION,  # the bare conversation id (as in the tracker store or the agent console)
        "0123456789abcdef0123456789abcdef",  # an old unsigned widget id
        f"{CONVERSATION}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "default",
    ],
)
async def test_session_request_for_an_unproven_id_gets_a_new_conversation(forged: str) -> None:
    channel, server, _ = make_channel()
    await channel.sio.handlers["/"]["session_request"]("sid-2", {"session_id": forged})
    confirm, notice = server.emitted
    assert confirm["event"] == "session_confirm" and confirm["data"] != forged
    assert session_proof.conversation_of(confirm["data"])
    assert server.rooms == [("sid-2", confirm["data"].split(".")[0])]
    # The widget shows why its old chat is gone; to this socket only.
    assert notice["event"] == "bot_uttered" and notice["room"] == "sid-2"
    assert "new one has started" in notice["data"]["text"] and "新的对话" in notice["data"]["text"]


@pytest.mark.asyncio
@pytest.mark.parametrize("forged", [CONVERSATION, f"{CONVERSATION}.x", "someone-else"])
async def test_a_message_for_an_unproven_session_is_refused_visibly(forged: str) -> None:
    channel, server, calls = make_channel()
    channel.behaviour["reply"] = {"text": "answer"}
    await utter(channel, {"message": "/restart", "session_id": forged}, sid="attacker")
    assert calls == []
    (refusal,) = server.emitted
    assert refusal["event"] == "bot_uttered" and refusal["room"] == "attacker"
    assert refusal["data"]["metadata"] == {"error": "session_refused"}
    assert "could not be verified" in refusal["data"]["text"]


@pytest.mark.asyncio
async def test_rasa_sees_the_conversation_id_without_its_proof() -> None:
    channel, _, calls = make_channel()
    channel.behaviour["reply"] = {"text": "answer"}
    await utter(channel, {"message": "hi", "session_id": SIGNED})
    assert calls[0].sender_id == CONVERSATION and "." not in calls[0].sender_id


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message, masked, note",
    [
        ("call me at 13812345678", "call me at [mobile number]", "I hid the mobile number"),
        ("我的回乡证是H12345678", "我的回乡证是[通行证/居住证号]", "已隐藏你消息中的通行证/居住证号"),
    ],
    ids=["en", "zh"],
)
async def test_personal_data_is_masked_and_the_user_told(message: str, masked: str, note: str) -> None:
    channel, server, calls = make_channel()
    channel.behaviour["reply"] = {"text": "answer", "utter_action": "utter_faq_documents"}
    await utter(channel, {"message": message, "session_id": SIGNED})
    assert calls[0].text == masked
    texts = [m["data"]["text"] for m in bot_messages(server)]
    # The answer itself follows the note (with its FAQ source line).
    assert note in texts[0] and texts[1].split("\n")[0] == "answer"


@pytest.mark.asyncio
async def test_a_masked_message_whose_turn_fails_still_gets_the_apology() -> None:
    channel, server, _ = make_channel()  # the turn sends nothing
    await utter(channel, {"message": "my email is a@b.cn, which documents?", "session_id": SIGNED})
    texts = [m["data"]["text"] for m in bot_messages(server)]
    assert "e-mail address" in texts[0]
    assert texts[1:] == ["utter_service_unavailable/en", "utter_default/en"]


@pytest.mark.asyncio
async def test_a_typed_command_that_was_not_offered_is_read_as_text() -> None:
    channel, _, calls = make_channel()
    channel.behaviour["reply"] = {"text": "ok"}
    await utter(channel, {"message": '/inform{"province": "beijing"}', "session_id": SIGNED})
    await utter(channel, {"message": '/greet{"language": "zh"}', "session_id": SIGNED})
    assert [c.text for c in calls] == ['inform{"province": "beijing"}', '/greet{"language": "zh"}']


@pytest.mark.asyncio
async def test_restart_is_a_start_over_that_replies() -> None:
    channel, server, calls = make_channel()  # Rasa's restart itself sends nothing
    await utter(channel, {"message": "/restart", "session_id": SIGNED})
    assert calls[0].text == "/restart"
    (message,) = bot_messages(server)
    assert message["data"]["text"] == "utter_start_over_nothing/en"
    assert message["data"]["metadata"] == {"utter_action": "utter_start_over_nothing"}


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_another_browser_cannot_join_a_conversation(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as owner:
        await owner.say("I file in Anhui as an individual")
        conversation = owner.session_id.split(".")[0]
        async with WidgetClient(bot_url, conversation, strict=False) as intruder:
            pass
    # The bare conversation id (what logs and the agent console show) gives a new conversation.
    assert intruder.session_id.split(".")[0] != conversation


@pytest.mark.live
@pytest.mark.asyncio
async def test_live_restart_starts_over_and_says_what_was_forgotten(bot_url: str) -> None:
    async with WidgetClient(bot_url, new_session()) as widget:
        await widget.say("can I use the app in Anhui?")
        replies = await widget.say("/restart")
        text = " ".join(r.get("text", "") for r in replies)
        assert "starting over" in text and "Anhui" in text
        assert "unavailable" not in text
        again = await widget.say("can I use the app?")
    # Forgotten indeed: the province is asked again.
    assert "province" in " ".join(r.get("text", "") for r in again).lower()
