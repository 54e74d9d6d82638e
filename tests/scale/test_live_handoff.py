"""An agent's reply reaches the web chat user whichever Rasa instance either of them talks to.

Runs against the scale-out demo (``scripts/scale_demo.sh start``; ``eval "$(scripts/scale_demo.sh
env)"`` gives ``SCALE_URL``, ``SCALE_INSTANCE_URLS`` and ``SCALE_AGENT_TOKEN``): both Rasa
instances share the socket.io message queue in Redis (``SOCKETIO_REDIS_URL``), so what the agent
API of one instance sends is emitted by the instance that holds the user's connection.

- A user connected straight to instance A asks for a person; an agent claims the conversation
  and replies through instance B; the user gets both on A.
- Web chat users connected through nginx over websocket only (as the help page's widget):
  round robin puts them on both instances, with no sticky sessions, and replies sent through
  either instance reach every one of them.
"""
from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest

SCALE_URL = os.environ.get("SCALE_URL", "").rstrip("/")
AGENT_TOKEN = os.environ.get("SCALE_AGENT_TOKEN", "")
ASK_FOR_A_PERSON = "i want to talk to a human"
WAIT = 30

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(
        not SCALE_URL,
        reason="SCALE_URL not set: start the demo with `scripts/scale_demo.sh start` and "
        "`eval \"$(scripts/scale_demo.sh env)\"`",
    ),
]


@pytest.fixture(scope="module")
def instances() -> List[str]:
    urls = [u.rstrip("/") for u in os.environ.get("SCALE_INSTANCE_URLS", "").split()]
    assert len(urls) == 2, "SCALE_INSTANCE_URLS must name the two Rasa instances"
    assert AGENT_TOKEN, "SCALE_AGENT_TOKEN must be the demo's AGENT_ASSIST_TOKEN"
    return urls


def agent_api(base_url: str, method: str, path: str, body: Optional[dict] = None) -> Tuple[int, Any]:
    """Calls the agent API of one instance; returns the status and the JSON body."""
    request = urllib.request.Request(
        f"{base_url}/webhooks/agent/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {AGENT_TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


async def call_agent_api(base_url: str, method: str, path: str, body: Optional[dict] = None) -> Any:
    status, payload = await asyncio.to_thread(agent_api, base_url, method, path, body)
    assert status == 200, f"{method} {base_url} {path}: {status} {payload}"
    return payload


class Widget:
    """A web chat user (the widget's socket.io protocol, session persistence); subclasses connect."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        #: The conversation (Rasa's sender id, what agents see): the session id without its proof.
        self.conversation = session_id
        self.messages: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.confirmed: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self.upstream: Optional[str] = None

    def _confirm(self, session_id: Any) -> None:
        if not self.confirmed.done():
            self.confirmed.set_result(session_id)

    async def emit(self, event: str, data: Any) -> None:
        raise NotImplementedError

    async def start_session(self) -> None:
        await self.emit("session_request", {"session_id": self.session_id})
        # The server binds a new conversation to this client: "<conversation>.<proof>"
        # (bot.core.session_proof); an id it did not issue is never continued.
        confirmed = await asyncio.wait_for(self.confirmed, WAIT)
        assert confirmed != self.session_id and "." in confirmed
        self.session_id = confirmed
        self.conversation = confirmed.split(".")[0]

    async def say(self, text: str) -> None:
        await self.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def wait_for(self, text: str) -> Dict[str, Any]:
        """The first bot message (from now) whose text contains ``text``."""
        async def find() -> Dict[str, Any]:
            while True:
                message = await self.messages.get()
                if text in (message.get("text") or ""):
                    return message

        return await asyncio.wait_for(find(), WAIT)

    async def drain(self, quiet: float = 1.5) -> List[Dict[str, Any]]:
        """The bot messages until none came for ``quiet`` seconds."""
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(self.messages.get(), quiet))
            except asyncio.TimeoutError:
                return received


class PollingWidget(Widget):
    """python-socketio's client, long-polling (its websocket client needs a newer aiohttp)."""

    def __init__(self, base_url: str, session_id: str) -> None:
        super().__init__(session_id)
        import socketio

        self.url = base_url
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self.messages.put_nowait)
        self.client.on("session_confirm", self._confirm)

    async def emit(self, event: str, data: Any) -> None:
        await self.client.emit(event, data)

    async def __aenter__(self) -> "PollingWidget":
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.start_session()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # Closing the engine.io session, without waiting out the pending long-poll.
        await self.client.eio.disconnect(abort=True)


class WebsocketWidget(Widget):
    """Engine.IO 4 / Socket.IO 5 over one websocket, as the help page's widget connects."""

    def __init__(self, base_url: str, session_id: str) -> None:
        super().__init__(session_id)
        self.url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.socket: Any = None
        self.reader: Optional["asyncio.Task[None]"] = None

    async def emit(self, event: str, data: Any) -> None:
        await self.socket.send("42" + json.dumps([event, data]))

    async def _read(self) -> None:
        async for packet in self.socket:
            if packet == "2":  # engine.io ping
                await self.socket.send("3")
            elif packet.startswith("42"):
                event, *args = json.loads(packet[2:])
                if event == "bot_uttered":
                    self.messages.put_nowait(args[0])
                elif event == "session_confirm":
                    self._confirm(args[0])

    async def __aenter__(self) -> "WebsocketWidget":
        import websockets

        self.socket = await websockets.connect(self.url, open_timeout=WAIT)
        self.upstream = self.socket.response_headers.get("X-Upstream")
        handshake = await asyncio.wait_for(self.socket.recv(), WAIT)
        assert handshake.startswith("0"), handshake  # engine.io OPEN
        await self.socket.send("40")  # socket.io CONNECT, default namespace
        connected = await asyncio.wait_for(self.socket.recv(), WAIT)
        assert connected.startswith("40"), connected
        self.reader = asyncio.create_task(self._read())
        await self.start_session()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.socket.close()


async def hand_off(widget: Widget, base_url: str) -> None:
    """The user asks for a person; the conversation is then waiting in ``base_url``'s queue."""
    await widget.say(ASK_FOR_A_PERSON)
    await widget.drain()
    queue = await call_agent_api(base_url, "GET", "conversations?status=waiting")
    waiting = [c["sender_id"] for c in queue["conversations"]]
    assert widget.conversation in waiting, f"{widget.conversation} is not waiting: {waiting}"


@pytest.mark.asyncio
async def test_a_reply_sent_through_b_reaches_a_user_connected_to_a(instances: List[str]) -> None:
    a, b = instances
    async with PollingWidget(a, "scale-handoff-" + uuid.uuid4().hex[:10]) as user:
        session = user.conversation  # the conversation the server issued to this widget
        await hand_off(user, b)

        joined = await call_agent_api(b, "POST", f"conversations/{session}/claim")
        assert joined["status"] == "active"
        # The "an agent joined" notice, pushed by B, arrives on A.
        assert (await asyncio.wait_for(user.messages.get(), WAIT)).get("text")

        text = f"Hello from an agent on instance B ({uuid.uuid4().hex[:6]})."
        sent = await call_agent_api(b, "POST", f"conversations/{session}/messages", {"text": text})
        assert sent["delivered"] is True
        assert (await user.wait_for(text))["text"] == text

        # And the other way round: the agent now works through A.
        text = f"And from instance A ({uuid.uuid4().hex[:6]})."
        await call_agent_api(a, "POST", f"conversations/{session}/messages", {"text": text})
        await user.wait_for(text)

        await call_agent_api(a, "POST", f"conversations/{session}/release")
        assert (await asyncio.wait_for(user.messages.get(), WAIT)).get("text")


@pytest.mark.asyncio
async def test_websocket_users_behind_round_robin_get_replies_sent_through_either_instance(
    instances: List[str],
) -> None:
    sessions = ["scale-ws-" + uuid.uuid4().hex[:10] for _ in range(4)]
    users = [WebsocketWidget(SCALE_URL, s) for s in sessions]
    for user in users:
        await user.__aenter__()
    try:
        # No sticky sessions: consecutive connections land on both instances.
        upstreams = {u.upstream for u in users}
        assert upstreams == {url.split("//")[1] for url in instances}, upstreams

        # Each user's own turn is answered over its websocket (the greeting).
        for user in users:
            await user.say("hi")
        for user in users:
            assert await user.drain(), f"no answer for {user.session_id} on {user.upstream}"

        for i, user in enumerate(users):
            # Queue and claim through the instance that does not hold the connection where
            # possible, then reply through each instance in turn.
            agent_side = instances[i % 2]
            await hand_off(user, agent_side)
            await call_agent_api(agent_side, "POST", f"conversations/{user.conversation}/claim")
            for url in instances:
                text = f"Agent via {url.split(':')[-1]} to {user.conversation}."
                await call_agent_api(
                    url, "POST", f"conversations/{user.conversation}/messages", {"text": text}
                )
                await user.wait_for(text)
            await call_agent_api(agent_side, "POST", f"conversations/{user.conversation}/release")
    finally:
        for user in users:
            await user.__aexit__(None, None, None)
