"""The WeChat channel without a model: a fake bot stands in for Rasa's message handling.

Requests are built, signed and encrypted with the simulator's functions (as the platform
would), replies read back with them (signature checked, decrypted). The fake bot stores its
turns in Rasa's in-memory tracker store, as Rasa does, so the tracker-backed parts (typed
choices, retries reaching another process) run against the real store API.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from bot.channels.plain import TYPED_TEXT_KEY
from bot.channels.wechat.channel import SUCCESS, WeChatInput, message_key
from bot.channels.wechat.crypto import MessageCrypto
from bot.channels.wechat.sim import build_message, read_reply, signed_request
from bot.channels.wechat.xml import MAX_XML_BYTES, parse_message

ROOT = Path(__file__).resolve().parents[4]
DOMAIN = Domain.load(str(ROOT / "domain"))
TOKEN = "test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
HELP = "https://bot.example.org/help/"
USER = "o_user_1"

PROVINCE_BUTTONS_ZH = [
    {"title": "广东", "payload": '/inform{"province": "guangdong"}'},
    {"title": "北京", "payload": '/inform{"province": "beijing"}'},
]


class FakeNLG:
    """Renders a response as "<name>/<language>"."""

    def generate_from_slots(self, name: str, slots: Dict[str, Any], channel: str) -> Dict[str, Any]:
        return {"text": f"{name}/{slots.get('language') or 'en'}"}


class FakeBot:
    """Stands in for Rasa's ``on_new_message``: records turns, stores them, sends replies."""

    def __init__(self, store: InMemoryTrackerStore) -> None:
        self.store = store
        self.turns: List[Any] = []
        self.delay = 0.0
        self.fail: Optional[Exception] = None
        self.replies: List[Dict[str, Any]] = [{"text": "Hello from the bot"}]

    async def __call__(self, message: Any) -> None:
        self.turns.append(message)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise self.fail
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(
            UserUttered(message.text, message_id=message.message_id, input_channel=message.input_channel)
        )
        for reply in self.replies:
            data = {"buttons": reply["buttons"]} if reply.get("buttons") else {}
            tracker.update(BotUttered(reply.get("text"), data=data))
            await message.output_channel.send_response(message.sender_id, dict(reply))
        await self.store.save(tracker)


def make_agent(store: InMemoryTrackerStore) -> Any:
    async def parse_message(text: str) -> Dict[str, Any]:
        return {"intent": {"name": None}}

    return SimpleNamespace(
        nlg=FakeNLG(), tracker_store=store, domain=DOMAIN, parse_message=parse_message
    )


@pytest.fixture
def store() -> InMemoryTrackerStore:
    return InMemoryTrackerStore(DOMAIN)


@pytest.fixture
def bot(store: InMemoryTrackerStore) -> FakeBot:
    return FakeBot(store)


@pytest.fixture
def channel() -> WeChatInput:
    return WeChatInput(TOKEN, app_id=APP_ID, encoding_aes_key=AES_KEY, help_url=HELP)


CRYPTO = MessageCrypto(TOKEN, AES_KEY, APP_ID)


async def send(
    channel: WeChatInput,
    bot: FakeBot,
    message_xml: str,
    safe: bool = False,
    agent: Any = "default",
    **overrides: str,
):
    """Posts a message as the platform does; returns (status, reply fields, raw body)."""
    query, body = signed_request(message_xml, TOKEN, CRYPTO if safe else None)
    query.update(overrides)
    if agent == "default":
        agent = make_agent(bot.store)
    reply = await channel.handle_post(query, body, agent, bot)
    fields = read_reply(reply.body.encode(), TOKEN, CRYPTO) if reply.status == 200 else {}
    return reply.status, fields, reply.body


def text(content: str, msg_id: str = "1001", user: str = USER) -> str:
    return build_message("text", content, user=user, msg_id=msg_id, create_time=1700000000)


# --- URL verification -------------------------------------------------------------------------


def test_url_verification_echoes_echostr(channel: WeChatInput):
    query, _ = signed_request("", TOKEN)
    reply = channel.verify_url({**query, "echostr": "12345"})
    assert (reply.status, reply.body) == (200, "12345")


@pytest.mark.parametrize("change", [{"signature": "0" * 40}, {"timestamp": "1"}, {"nonce": None}])
def test_url_verification_with_a_bad_signature_is_forbidden(channel: WeChatInput, change):
    query, _ = signed_request("", TOKEN)
    query.update({"echostr": "12345", **change})
    reply = channel.verify_url({k: v for k, v in query.items() if v is not None})
    assert reply.status == 403 and "12345" not in reply.body


# --- messages, both modes ---------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("safe", [False, True])
async def test_a_text_message_gets_a_passive_reply_in_the_same_mode(channel, bot, safe):
    status, fields, raw = await send(channel, bot, text("Which documents?"), safe=safe)
    assert status == 200
    assert ("<Encrypt>" in raw) == safe and ("Hello from the bot" in raw) == (not safe)
    assert fields["Content"] == "Hello from the bot"
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"]) == (
        USER, "gh_simulated_account", "text",
    )
    [turn] = bot.turns
    assert (turn.text, turn.sender_id, turn.input_channel) == ("Which documents?", USER, "wechat")
    assert turn.message_id == "wechat:1001"


@pytest.mark.asyncio
async def test_personal_data_is_masked_before_the_turn_and_the_user_told(channel, bot):
    _, fields, _ = await send(channel, bot, text("我的手机是13812345678，身份证11010519491231002X"))
    [turn] = bot.turns
    assert turn.text == "我的手机是[手机号]，身份证[身份证号]"
    stored = await bot.store.retrieve(USER)
    assert "13812345678" not in str([e.as_dict() for e in stored.events])
    note, answer = fields["Content"].split("\n\n", 1)
    assert "已隐藏你消息中的身份证号、手机号" in note and answer == "Hello from the bot"


@pytest.mark.asyncio
async def test_several_bot_messages_are_joined_into_one_reply_with_numbered_options(channel, bot):
    bot.replies = [
        {"text": "好的，已记下。"},
        {"text": "你在哪个省份备案？", "buttons": PROVINCE_BUTTONS_ZH},
    ]
    _, fields, _ = await send(channel, bot, text("我要备案"))
    assert fields["Content"] == "好的，已记下。\n\n你在哪个省份备案？\n\n1. 广东\n2. 北京\n回复数字选择。"


@pytest.mark.asyncio
async def test_english_options_get_the_english_prompt(channel, bot):
    bot.replies = [{"text": "Pick one:", "buttons": [{"title": "Individual", "payload": "/a"}]}]
    _, fields, _ = await send(channel, bot, text("hello"))
    assert fields["Content"] == "Pick one:\n\n1. Individual\nReply with a number to choose."


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", ["2", "２", " 北京 "])
async def test_a_typed_number_or_title_picks_the_last_options_payload(channel, bot, typed):
    bot.replies = [{"text": "你在哪个省份备案？", "buttons": PROVINCE_BUTTONS_ZH}]
    await send(channel, bot, text("我要备案", msg_id="1"))
    bot.replies = [{"text": "好的"}]
    await send(channel, bot, text(typed, msg_id="2"))
    assert bot.turns[-1].text == '/inform{"province": "beijing"}'
    assert bot.turns[-1].metadata[TYPED_TEXT_KEY] == typed.strip()
    # The options were answered: a further "2" is text again.
    await send(channel, bot, text("2", msg_id="3"))
    assert bot.turns[-1].text == "2"


@pytest.mark.asyncio
async def test_options_are_per_conversation(channel, bot):
    bot.replies = [{"text": "你在哪个省份备案？", "buttons": PROVINCE_BUTTONS_ZH}]
    await send(channel, bot, text("我要备案", msg_id="1", user="o_a"))
    await send(channel, bot, text("1", msg_id="2", user="o_b"))
    assert bot.turns[-1].text == "1"


# --- refusals and errors ----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_bad_signature_is_forbidden_and_runs_nothing(channel, bot):
    status, _, _ = await send(channel, bot, text("hi"), signature="0" * 40)
    assert status == 403 and not bot.turns


@pytest.mark.asyncio
async def test_a_bad_msg_signature_is_forbidden_in_safe_mode(channel, bot):
    status, _, _ = await send(channel, bot, text("hi"), safe=True, msg_signature="0" * 40)
    assert status == 403 and not bot.turns


@pytest.mark.asyncio
async def test_a_message_for_another_app_id_is_dropped(channel, bot):
    other = MessageCrypto(TOKEN, AES_KEY, "wx_other_account")
    query, body = signed_request(text("hi"), TOKEN, other)  # properly signed, wrong AppID inside
    reply = await channel.handle_post(query, body, make_agent(bot.store), bot)
    assert (reply.status, reply.body) == (200, SUCCESS) and not bot.turns


@pytest.mark.asyncio
async def test_safe_mode_without_a_key_configured_replies_success(bot):
    plain_only = WeChatInput(TOKEN, help_url=HELP)
    query, body = signed_request(text("hi"), TOKEN, CRYPTO)
    reply = await plain_only.handle_post(query, body, make_agent(bot.store), bot)
    assert (reply.status, reply.body) == (200, SUCCESS) and not bot.turns


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml><Content>broken",
        b"<xml><MsgType>text</MsgType><Content>no sender</Content></xml>",
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<xml><FromUserName>o</FromUserName><ToUserName>g</ToUserName><MsgType>text</MsgType>"
        b"<Content>&b;</Content><MsgId>1</MsgId></xml>",
        b"<xml><Content>" + b"x" * MAX_XML_BYTES + b"</Content></xml>",
    ],
    ids=["empty", "malformed", "no-sender", "entities", "oversized"],
)
async def test_unreadable_bodies_get_success_and_run_nothing(channel, bot, body):
    query, _ = signed_request("", TOKEN)
    reply = await channel.handle_post(query, body, make_agent(bot.store), bot)
    assert (reply.status, reply.body) == (200, SUCCESS) and not bot.turns


@pytest.mark.asyncio
async def test_a_failing_turn_still_gets_an_answer(channel, bot):
    bot.fail = RuntimeError("action server down")
    _, fields, _ = await send(channel, bot, text("Which documents?"))
    assert fields["Content"] == "utter_service_unavailable/en\n\nutter_default/en"


@pytest.mark.asyncio
async def test_before_the_model_is_loaded_the_user_is_told_to_wait(channel, bot):
    bot.fail = AttributeError("'NoneType' object has no attribute 'handle_message'")
    _, fields, _ = await send(channel, bot, text("需要哪些材料"), agent=None)
    assert fields["Content"] == "助手正在启动，请稍后再试。"


@pytest.mark.asyncio
async def test_an_empty_text_gets_guidance_without_a_turn(channel, bot):
    _, fields, _ = await send(channel, bot, text("   "))
    assert fields["Content"] == "utter_empty_message/en" and not bot.turns


# --- retries ----------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("safe", [False, True])
async def test_concurrent_retries_run_one_turn_and_get_the_same_reply(channel, bot, safe):
    bot.delay = 0.2
    message = text("Which documents?", msg_id="777")
    results = await asyncio.gather(*(send(channel, bot, message, safe=safe) for _ in range(3)))
    assert len(bot.turns) == 1
    assert [fields["Content"] for _, fields, _ in results] == ["Hello from the bot"] * 3


@pytest.mark.asyncio
async def test_a_later_retry_gets_the_same_reply_without_a_turn(channel, bot):
    message = text("Which documents?", msg_id="778")
    first = await send(channel, bot, message)
    bot.replies = [{"text": "a different answer"}]
    second = await send(channel, bot, message)
    assert len(bot.turns) == 1 and first[1]["Content"] == second[1]["Content"]


@pytest.mark.asyncio
async def test_a_retry_reaching_another_process_is_answered_from_the_tracker(bot):
    one = WeChatInput(TOKEN, help_url=HELP)
    other = WeChatInput(TOKEN, help_url=HELP)  # its own retry cache, as another worker
    bot.replies = [{"text": "你在哪个省份备案？", "buttons": PROVINCE_BUTTONS_ZH}]
    message = text("我要备案", msg_id="779")
    _, first, _ = await send(one, bot, message)
    _, second, _ = await send(other, bot, message)
    assert len(bot.turns) == 1 and second["Content"] == first["Content"]


@pytest.mark.asyncio
async def test_events_are_deduplicated_by_sender_and_create_time(channel, bot):
    event = build_message("subscribe", user=USER, create_time=1700000001)
    await asyncio.gather(send(channel, bot, event), send(channel, bot, event))
    assert len(bot.turns) == 1
    later = build_message("subscribe", user=USER, create_time=1700000002)
    await send(channel, bot, later)
    assert len(bot.turns) == 2


def test_message_keys():
    assert message_key({"MsgId": "42", "CreateTime": "1"}, "o") == "42"
    assert message_key({"CreateTime": "1700000000"}, "o_x") == "o_x:1700000000"


# --- the reply window -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_slow_turn_replies_success_and_answers_later_through_the_api(bot):
    sent: List[Any] = []

    class RecordingApi:
        async def send_text(self, open_id: str, content: str) -> None:
            sent.append((open_id, content))

    channel = WeChatInput(TOKEN, help_url=HELP, reply_timeout=0.05)
    channel.api = RecordingApi()
    bot.delay = 0.3
    bot.replies = [{"text": "late answer"}, {"text": "second part"}]
    status, fields, raw = await send(channel, bot, text("slow question", msg_id="900"))
    assert (status, raw, fields) == (200, SUCCESS, {})
    # A retry meanwhile gets the same "success", and no second turn.
    _, _, raw_retry = await send(channel, bot, text("slow question", msg_id="900"))
    assert raw_retry == SUCCESS
    await asyncio.sleep(0.5)
    assert sent == [(USER, "late answer\n\nsecond part")]
    assert len(bot.turns) == 1


# --- message types ----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("safe", [False, True])
async def test_subscribe_gets_the_welcome_turn(channel, bot, safe):
    bot.replies = [{"text": "你好！我是ICP备案资料上传助手。"}]
    _, fields, _ = await send(channel, bot, build_message("subscribe"), safe=safe)
    assert fields["Content"] == "你好！我是ICP备案资料上传助手。"
    assert bot.turns[0].text == '/greet{"language": "zh"}'


@pytest.mark.asyncio
async def test_the_welcome_is_chinese_unless_configured(bot):
    channel = WeChatInput.from_credentials({"token": TOKEN, "help_url": HELP})
    await send(channel, bot, build_message("subscribe"))
    assert bot.turns[0].text == '/greet{"language": "zh"}'


@pytest.mark.asyncio
async def test_the_welcome_language_is_configurable(bot):
    channel = WeChatInput.from_credentials(
        {"token": TOKEN, "welcome_language": "en", "help_url": HELP, "api_base": ""}
    )
    await send(channel, bot, build_message("subscribe"))
    assert bot.turns[0].text == '/greet{"language": "en"}'


@pytest.mark.asyncio
@pytest.mark.parametrize("event", ["unsubscribe", "CLICK", "VIEW", "LOCATION"])
async def test_other_events_get_no_reply(channel, bot, event):
    message_xml = build_message("subscribe").replace(
        "<Event><![CDATA[subscribe]]></Event>", f"<Event><![CDATA[{event}]]></Event>"
    )
    assert event in message_xml
    status, fields, raw = await send(channel, bot, message_xml)
    assert (status, raw) == (200, SUCCESS) and not bot.turns


@pytest.mark.asyncio
async def test_voice_with_recognition_is_answered_as_text(channel, bot):
    await send(channel, bot, build_message("voice", "需要哪些材料"))
    assert bot.turns[0].text == "需要哪些材料"


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["image", "location", "voice-unrecognised", "video", "link"])
async def test_non_text_messages_point_to_the_photo_check(channel, bot, kind):
    if kind == "voice-unrecognised":
        message_xml = build_message("voice", "")
    elif kind in ("video", "link"):
        message_xml = build_message("image").replace("[image]", f"[{kind}]")
    else:
        message_xml = build_message(kind)
    _, fields, _ = await send(channel, bot, message_xml)
    content = fields["Content"]
    assert HELP + "#precheck" in content
    # A first-time user: the language is unknown, so both.
    assert "photo check" in content and "照片检查" in content
    assert not bot.turns


@pytest.mark.asyncio
async def test_the_photo_check_pointer_follows_the_conversation_language(channel, bot, store):
    tracker = await store.get_or_create_tracker(USER)
    tracker.update(UserUttered("需要哪些材料"))
    tracker.update(SlotSet("language", "zh"))
    await store.save(tracker)
    _, fields, _ = await send(channel, bot, build_message("image", user=USER))
    assert fields["Content"].startswith("这里只能读取文字消息") and "photo check" not in fields["Content"]


# --- configuration ----------------------------------------------------------------------------


def test_credentials_need_a_token():
    with pytest.raises(Exception):
        WeChatInput.from_credentials({"token": ""})


def test_safe_mode_needs_the_app_id():
    with pytest.raises(ValueError):
        WeChatInput(TOKEN, encoding_aes_key=AES_KEY)


def test_empty_optional_values_mean_not_set():
    channel = WeChatInput.from_credentials(
        {"token": TOKEN, "app_id": "", "app_secret": "", "encoding_aes_key": "", "api_base": ""}
    )
    assert channel.crypto is None and channel.api is None


def test_the_api_client_is_built_from_the_credentials():
    channel = WeChatInput.from_credentials(
        {"token": TOKEN, "app_id": APP_ID, "app_secret": "s", "api_base": "http://127.0.0.1:1/"}
    )
    assert channel.api is not None and channel.api.api_base == "http://127.0.0.1:1"
    output = channel.get_output_channel()
    assert output.name() == "wechat" and not output.collecting


def test_reply_xml_is_well_formed_for_tricky_content():
    from bot.channels.wechat.xml import text_reply

    reply = text_reply(USER, "gh", 1, 'a ]]> b <c> & "d"')
    assert parse_message(reply.encode())["Content"] == 'a ]]> b <c> & "d"'
    assert json.dumps(reply)  # plain str
