"""The channel's routes on a real Sanic server (127.0.0.1), driven by the simulator."""

from __future__ import annotations

import asyncio
import itertools
from types import SimpleNamespace
from typing import Any, List

import pytest
import pytest_asyncio
from rasa.core.channels.channel import register
from rasa.core.tracker_store import InMemoryTrackerStore
from sanic import Sanic

from bot.channels.wechat import sim
from bot.channels.wechat.channel import WeChatInput
from tests.bot.channels.wechat.test_channel import AES_KEY, APP_ID, DOMAIN, HELP, TOKEN, FakeBot, FakeNLG

Sanic.test_mode = True
_names = itertools.count()


@pytest_asyncio.fixture
async def server():
    """A Sanic app with the channel mounted as Rasa mounts it; yields (url, bot, channel)."""
    store = InMemoryTrackerStore(DOMAIN)
    bot = FakeBot(store)
    channel = WeChatInput(TOKEN, app_id=APP_ID, encoding_aes_key=AES_KEY, help_url=HELP)
    app = Sanic(f"wechat_test_{next(_names)}")
    app.ctx.agent = SimpleNamespace(
        handle_message=bot, nlg=FakeNLG(), tracker_store=store, domain=DOMAIN
    )
    register([channel], app, "/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
    await srv.startup()
    await srv.start_serving()
    port = srv.server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/webhooks/wechat/webhook", bot, channel
    await srv.close()


async def run_sim(capsys, *argv: str) -> List[str]:
    # The simulator blocks (urllib); the server runs on this event loop, so the simulator runs
    # in a thread.
    code = await asyncio.to_thread(sim.main, list(argv))
    assert code == 0
    return capsys.readouterr().out.strip().splitlines()


@pytest.mark.asyncio
async def test_url_verification_over_http(server):
    url, _, _ = server
    assert await asyncio.to_thread(sim.verify_url, url, TOKEN) == (200, "OK: echostr echoed")
    assert await asyncio.to_thread(sim.verify_url, url, "wrong-token") == (403, "refused")


@pytest.mark.asyncio
async def test_the_simulator_in_plaintext_mode(server, capsys):
    url, bot, _ = server
    assert await run_sim(capsys, "--url", url, "--token", TOKEN, "Which", "documents?") == [
        "Hello from the bot"
    ]
    assert bot.turns[0].text == "Which documents?"


@pytest.mark.asyncio
async def test_the_simulator_in_safe_mode_with_retries(server, capsys):
    url, bot, _ = server
    lines = await run_sim(
        capsys, "--url", url, "--token", TOKEN, "--aes-key", AES_KEY, "--app-id", APP_ID,
        "--retries", "2", "需要哪些材料",
    )
    assert lines == ["Hello from the bot", "[retry 1] Hello from the bot", "[retry 2] Hello from the bot"]
    assert len(bot.turns) == 1


@pytest.mark.asyncio
async def test_the_simulator_reports_an_event_without_reply(server, capsys):
    url, bot, _ = server
    assert await run_sim(capsys, "--url", url, "--token", TOKEN, "--type", "unsubscribe") == [
        "(no reply: success)"
    ]


@pytest.mark.asyncio
async def test_a_bad_signature_is_403_over_http(server, capsys):
    url, bot, _ = server
    assert await run_sim(capsys, "--url", url, "--token", "not-the-token", "hi") == ["HTTP 403: forbidden"]
    assert not bot.turns


@pytest.mark.asyncio
async def test_an_unexpected_failure_is_success_not_500(server, monkeypatch, caplog):
    url, bot, channel = server

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(channel, "handle_post", broken)
    query, body = sim.signed_request(sim.build_message("text", "hi"), TOKEN)
    status, reply = await asyncio.to_thread(sim.post, url, query, body)
    assert (status, reply) == (200, b"success")
    assert "handling a request failed" in caplog.text
