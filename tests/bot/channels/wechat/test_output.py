"""Composing one WeChat reply, and the customer-service API against a local fake platform."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.wechat.output import (
    MAX_CONTENT_BYTES,
    WeChatApi,
    WeChatApiError,
    WeChatOutput,
    compose_reply,
)

HELP = "https://bot.example.org/help/"


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


# --- composing --------------------------------------------------------------------------------


def test_messages_are_joined_by_blank_lines():
    assert compose_reply([{"text": "One."}, {"text": " Two. "}], HELP) == "One.\n\nTwo."


def test_only_the_last_messages_options_are_numbered():
    messages = [
        {"text": "First:", "buttons": [{"title": "Old", "payload": "/old"}]},
        {"text": "Second:", "buttons": [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}]},
        {"text": "Anything else?"},
    ]
    assert compose_reply(messages, HELP) == (
        "First:\n\nSecond:\n\nAnything else?\n\n1. A\n2. B\nReply with a number to choose."
    )


def test_images_are_sent_as_their_url():
    assert compose_reply([{"text": "See:", "image": "https://x.org/a.png"}], HELP) == (
        "See:\n\nhttps://x.org/a.png"
    )


def test_nothing_to_say_is_empty():
    assert compose_reply([], HELP) == "" and compose_reply([{"custom": {"a": 1}}], HELP) == ""


@pytest.mark.parametrize(
    "sentence, link_line",
    [
        ("You can upload the documents from your computer. ", "The full answer is on the help page: "),
        ("请在电脑上上传备案资料。", "完整回答请到帮助页面查看："),
    ],
)
def test_long_answers_are_shortened_with_a_link_keeping_the_options(sentence, link_line):
    buttons = [{"title": "Guangdong", "payload": "/g"}, {"title": "北京", "payload": "/b"}]
    messages = [{"text": sentence * 200}, {"text": sentence, "buttons": buttons}]
    reply = compose_reply(messages, HELP)
    assert utf8(reply) <= MAX_CONTENT_BYTES
    assert reply.startswith(sentence.strip()[:10])
    assert f"…\n\n{link_line}{HELP}" in reply
    assert reply.endswith("1. Guangdong\n2. 北京\n" + ("Reply with a number to choose." if sentence.isascii() else "回复数字选择。"))
    # Cut after a whole sentence, never inside a character.
    body = reply.split("\n\n…")[0]
    assert body.endswith((".", "。"))


def test_a_reply_at_the_limit_is_not_shortened():
    text = "请" * (MAX_CONTENT_BYTES // 3)
    assert compose_reply([{"text": text}], HELP) == text


# --- the customer-service API against a fake platform -----------------------------------------


class FakePlatform:
    """The token and custom-send endpoints of the platform, on 127.0.0.1."""

    def __init__(self) -> None:
        self.token_calls: List[Dict[str, str]] = []
        self.sent: List[Dict[str, Any]] = []
        self.raw_bodies: List[bytes] = []
        self.expires_in = 7200
        self.token_error: Dict[str, Any] = {}
        self.send_errors: List[Dict[str, Any]] = []
        self.issued = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        return app

    async def token(self, request: web.Request) -> web.Response:
        self.token_calls.append(dict(request.query))
        if self.token_error:
            return web.json_response(self.token_error)
        if request.query.get("secret") != "app-secret":
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.issued += 1
        return web.json_response({"access_token": f"token-{self.issued}", "expires_in": self.expires_in})

    async def custom_send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.raw_bodies.append(raw)
        if self.send_errors:
            return web.json_response(self.send_errors.pop(0))
        if request.query.get("access_token") != f"token-{self.issued}":
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.sent.append({"token": request.query["access_token"], **json.loads(raw)})
        return web.json_response({"errcode": 0, "errmsg": "ok"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def platform():
    fake = FakePlatform()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


def api_for(platform: FakePlatform, clock: Clock, secret: str = "app-secret") -> WeChatApi:
    return WeChatApi("wx_app", secret, api_base=platform.base, clock=clock)


@pytest.mark.asyncio
async def test_the_token_is_fetched_once_and_reused_until_shortly_before_it_expires(platform):
    clock = Clock()
    api = api_for(platform, clock)
    await api.send_text("o_1", "你好")
    await api.send_text("o_2", "hello")
    assert len(platform.token_calls) == 1
    assert platform.token_calls[0] == {"grant_type": "client_credential", "appid": "wx_app", "secret": "app-secret"}
    clock.now += 7200 - 300 - 1  # still inside the margin
    await api.send_text("o_1", "again")
    assert len(platform.token_calls) == 1
    clock.now += 2  # within 5 minutes of expiry: renewed
    await api.send_text("o_1", "renewed")
    assert len(platform.token_calls) == 2
    assert [m["token"] for m in platform.sent] == ["token-1"] * 3 + ["token-2"]
    assert platform.sent[0] == {
        "token": "token-1", "touser": "o_1", "msgtype": "text", "text": {"content": "你好"},
    }
    assert "你好".encode("utf-8") in platform.raw_bodies[0]  # not \\u-escaped


@pytest.mark.asyncio
async def test_concurrent_sends_share_one_token_fetch(platform):
    import asyncio

    api = api_for(platform, Clock())
    await asyncio.gather(*(api.send_text(f"o_{i}", "x") for i in range(5)))
    assert len(platform.token_calls) == 1 and len(platform.sent) == 5


@pytest.mark.asyncio
async def test_a_token_the_platform_no_longer_accepts_is_renewed_once(platform):
    api = api_for(platform, Clock())
    await api.send_text("o_1", "first")
    platform.send_errors = [{"errcode": 42001, "errmsg": "access_token expired"}]
    await api.send_text("o_1", "second")
    assert len(platform.token_calls) == 2
    assert [m["text"]["content"] for m in platform.sent] == ["first", "second"]


@pytest.mark.asyncio
async def test_other_send_errors_are_raised(platform):
    api = api_for(platform, Clock())
    platform.send_errors = [{"errcode": 45015, "errmsg": "response out of time limit"}]
    with pytest.raises(WeChatApiError, match="45015"):
        await api.send_text("o_1", "late")


@pytest.mark.asyncio
async def test_a_refused_token_request_is_raised_without_the_secret(platform):
    api = api_for(platform, Clock(), secret="wrong-secret")
    with pytest.raises(WeChatApiError) as error:
        await api.send_text("o_1", "x")
    assert "40125" in str(error.value) and "wrong-secret" not in str(error.value)


@pytest.mark.asyncio
async def test_an_unreachable_platform_is_an_api_error():
    api = WeChatApi("wx_app", "s", api_base="http://127.0.0.1:9", timeout_seconds=2)
    with pytest.raises(WeChatApiError):
        await api.access_token()


@pytest.mark.asyncio
async def test_a_non_collecting_output_sends_each_message_with_numbered_options(platform):
    output = WeChatOutput(api_for(platform, Clock()), HELP, collecting=False)
    await output.send_response(
        "o_1", {"text": "Which one?", "buttons": [{"title": "A", "payload": "/a"}]}
    )
    await output.send_text_message("o_1", "An agent will answer.")
    assert [m["text"]["content"] for m in platform.sent] == [
        "Which one?\n\n1. A\nReply with a number to choose.",
        "An agent will answer.",
    ]


@pytest.mark.asyncio
async def test_a_collecting_output_sends_nothing_until_delivered(platform):
    output = WeChatOutput(api_for(platform, Clock()), HELP)
    await output.send_text_message("o_1", "one")
    await output.send_text_with_buttons("o_1", "two", [{"title": "B", "payload": "/b"}])
    assert platform.sent == [] and output.reply_text() == (
        "one\n\ntwo\n\n1. B\nReply with a number to choose."
    )
    assert await output.deliver_collected("o_1")
    assert len(platform.sent) == 1 and not output.collecting


@pytest.mark.asyncio
async def test_without_an_api_late_messages_are_logged_not_raised(caplog):
    output = WeChatOutput(None, HELP, collecting=False)
    await output.send_text_message("o_1", "lost")
    assert "could not be sent" in caplog.text


# --- the domain's answers ---------------------------------------------------------------------


def _domain_nlg():
    from pathlib import Path

    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(Path(__file__).resolve().parents[4] / "domain"))
    return domain, TemplatedNaturalLanguageGenerator(domain.responses)


DOMAIN, NLG = _domain_nlg()
PROVINCE = {"province_en": "Inner Mongolia", "province_zh": "内蒙古"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_answer_with_the_apology_fits_one_wechat_message_unshortened(language):
    slots = {"language": language, **PROVINCE}
    apology = NLG.generate_from_slots("utter_service_unavailable", slots, "wechat")
    for name in DOMAIN.responses:
        answer = NLG.generate_from_slots(name, slots, "wechat")
        reply = compose_reply([apology, answer], HELP)
        assert utf8(reply) <= MAX_CONTENT_BYTES, name
        assert HELP not in reply, f"{name} ({language}) was shortened"
