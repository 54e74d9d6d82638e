"""Every endpoint on one real Sanic server (127.0.0.1), built as ``rasa run`` builds it.

Limits (JSON depth, metadata), the REST backlog cap (429 with Retry-After), JSON 404/405,
HEAD on pages, no "None" headers, and the socket.io origin check.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from types import SimpleNamespace
from typing import Any, AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
import rasa.core.run as rasa_run
from sanic import Sanic

from bot import settings
from bot.server.gate import pending_cap, turn_gate

Sanic.test_mode = True
_names = itertools.count()
ALLOWED = "https://help.example.com"
TOKEN = "test-token-for-limits"
DEEP = b"[" * 1000 + b"]" * 1000


class SlowBot:
    """Answers each message after ``release`` is set, through the turn gate as the patch does."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.domain = None
        self.nlg = None

    async def handle_message(self, message: Any) -> None:
        async with turn_gate().turn(message.sender_id, cap=pending_cap.get()):
            await self.release.wait()
            await message.output_channel.send_text_message(message.sender_id, "answer")


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Any]:
    with settings.override(
        CORS_ORIGINS=ALLOWED, AGENT_ASSIST_TOKEN=TOKEN, MAX_PENDING_PER_SENDER="2"
    ):
        channels = rasa_run.create_http_input_channels(None, "credentials.yml")
        app = rasa_run.configure_app(
            channels, cors=[r"https://help\.example\.com\Z"], route="/webhooks/", port=0
        )
        app.config.NAME = f"limits_{next(_names)}"
        bot = SlowBot()
        srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
        await srv.startup()
        await srv.before_start()
        app.ctx.agent = bot
        await srv.start_serving()
        port = srv.server.sockets[0].getsockname()[1]
        async with aiohttp.ClientSession() as session:
            yield SimpleNamespace(base=f"http://127.0.0.1:{port}", session=session, bot=bot)
        bot.release.set()
        await srv.close()


async def call(server: Any, method: str, path: str, **kwargs: Any):
    async with server.session.request(
        method, server.base + path, allow_redirects=False, **kwargs
    ) as reply:
        body = await reply.read()
        return reply.status, reply.headers, body


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "path, headers",
    [
        ("/webhooks/rest/webhook", {}),
        ("/webhooks/feedback", {}),
        ("/webhooks/agent_assist/suggest", AUTH),
        ("/webhooks/agent_assist/chosen", AUTH),
    ],
)
async def test_deep_json_is_a_400_with_one_log_line(server, path, headers, caplog) -> None:
    caplog.set_level(logging.INFO)
    status, reply_headers, body = await call(server, "POST", path, data=DEEP, headers=headers)
    assert status == 400, body
    assert reply_headers["Content-Type"] == "application/json"
    assert b"nested deeper" in body
    refused = [r for r in caplog.records if "Refused POST" in r.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.asyncio
async def test_deep_metadata_is_a_400(server) -> None:
    raw = b'{"sender": "m", "message": "hi", "metadata": ' + b'{"a": ' * 500 + b"{}" + b"}" * 501
    status, _, body = await call(server, "POST", "/webhooks/rest/webhook", data=raw)
    assert status == 400 and b"nested deeper" in body
    status, _, body = await call(
        server, "POST", "/webhooks/rest/webhook",
        json={"sender": "m", "message": "hi", "metadata": {"a": {"b": {"c": {"d": {}}}}}},
    )
    assert status == 400 and b"levels deep" in body


@pytest.mark.asyncio
async def test_a_senders_backlog_over_the_cap_gets_429_with_retry_after(server) -> None:
    url = "/webhooks/rest/webhook"
    waiting = [
        asyncio.create_task(call(server, "POST", url, json={"sender": "flood", "message": f"q{i}"}))
        for i in range(2)
    ]
    await asyncio.sleep(0.3)
    status, headers, body = await call(server, "POST", url, json={"sender": "flood", "message": "q2"})
    assert status == 429, body
    assert int(headers["Retry-After"]) >= 1
    assert b"Too many messages" in body
    # Another sender is not refused (and its turn is queued, not rejected).
    other = asyncio.create_task(call(server, "POST", url, json={"sender": "other", "message": "hi"}))
    await asyncio.sleep(0.2)
    assert not other.done()
    server.bot.release.set()
    for status, _, body in await asyncio.gather(*waiting, other):
        assert status == 200 and b"answer" in body


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/webhooks/nope", 404),
        ("GET", "/nope", 404),
        ("GET", "/webhooks/rest/webhook", 405),
        ("PUT", "/webhooks/feedback", 405),
        ("DELETE", "/webhooks/agent_assist/suggest", 405),
    ],
)
async def test_errors_are_json(server, method, path, status) -> None:
    got, headers, body = await call(server, method, path)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert b'"error"' in body
    if status == 405:
        assert "POST" in headers["Allow"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/help/", "/help/index.html", "/agent/", "/agent/index.html"])
async def test_pages_answer_get_and_head_alike(server, path) -> None:
    status, headers, body = await call(server, "GET", path)
    assert status == 200 and body.startswith(b"<!doctype html>")
    head_status, head_headers, head_body = await call(server, "HEAD", path)
    assert head_status == 200 and head_body == b""
    assert head_headers["Content-Type"] == headers["Content-Type"]


@pytest.mark.asyncio
@pytest.mark.parametrize("origin", [None, ALLOWED])
async def test_options_has_no_none_headers(server, origin) -> None:
    headers = {"Access-Control-Request-Method": "POST"}
    if origin:
        headers["Origin"] = origin
    status, reply_headers, _ = await call(server, "OPTIONS", "/webhooks/rest/webhook", headers=headers)
    assert status == 204
    assert "None" not in reply_headers.values()
    assert "Content-Type" not in reply_headers
    if origin:
        assert reply_headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.asyncio
async def test_socketio_accepts_its_own_page_and_configured_origins_only(server) -> None:
    path = "/socket.io/?EIO=4&transport=polling"
    for origin, status in [
        (None, 200),
        (server.base, 200),
        (ALLOWED, 200),
        ("https://help.example.com:443", 200),  # normalised like the configured one
        ("https://evil.example.net", 400),
        ("null", 400),
    ]:
        headers = {"Origin": origin} if origin else {}
        got, _, body = await call(server, "GET", path, headers=headers)
        assert got == status, (origin, body)
