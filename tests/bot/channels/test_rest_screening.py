"""The REST channel on a real Sanic server (127.0.0.1) with a fake bot over a real SQL tracker
store: personal data masked before it is stored, typed commands, /restart, REST_TOKEN."""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
import pytest_asyncio
import sqlalchemy as sa
from rasa.core.channels.channel import register
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic

from bot import settings
from bot.channels import screening
from bot.channels.rest import HardenedRestInput
from bot.stores.tracker_store import TunedSQLTrackerStore

Sanic.test_mode = True
_names = itertools.count()
DOMAIN = Domain.load("domain")
PROVINCE_BUTTON = '/inform{"province": "anhui"}'
ID = "11010519491231002X"  # valid checksum (GB 11643's own example)


class RecordingBot:
    """Stores each user message as Rasa would (with slots for details) and offers a button."""

    def __init__(self, store: TunedSQLTrackerStore) -> None:
        self.store = store
        self.texts: List[str] = []

    async def handle_message(self, message: Any) -> None:
        self.texts.append(message.text)
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        if "anhui" in message.text:
            tracker.update(SlotSet("province", "anhui"))
        if "个人" in message.text:
            tracker.update(SlotSet("applicant_type", "individual"))
            tracker.update(SlotSet("language", "zh"))
        buttons = [{"title": "Anhui", "payload": PROVINCE_BUTTON}]
        tracker.update(BotUttered("Which province?", data={"buttons": buttons}))
        await self.store.save(tracker)
        if message.text != "/restart":  # Rasa's own restart sends nothing
            await message.output_channel.send_text_message(message.sender_id, "answer")


@pytest_asyncio.fixture
async def rest(tmp_path: Path, rules_repo: Any, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(screening, "_repository", rules_repo)
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = TunedSQLTrackerStore(domain=DOMAIN, host=url)
    bot = RecordingBot(store)
    app = Sanic(f"rest_screening_{next(_names)}")
    app.ctx.agent = SimpleNamespace(
        handle_message=bot.handle_message,
        tracker_store=store,
        domain=DOMAIN,
        nlg=TemplatedNaturalLanguageGenerator(DOMAIN.responses),
    )
    register([HardenedRestInput()], app, "/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
    await srv.startup()
    await srv.start_serving()
    port = srv.server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as session:

        async def post(
            message: str, sender: str = "u1", headers: Optional[Dict[str, str]] = None, status: int = 200
        ) -> Any:
            url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
            body = {"sender": sender, "message": message}
            async with session.post(url, json=body, headers=headers or {}) as reply:
                assert reply.status == status
                return await reply.json()

        yield SimpleNamespace(post=post, bot=bot, url=url)
    await srv.close()


def stored_texts(url: str) -> List[str]:
    """Every text of the tracker store's events table, read with plain SQL."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events")).scalars().all()
    engine.dispose()
    return [json.loads(row).get("text") or "" for row in rows]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message, masked, note",
    [
        (f"my ID is {ID}, phone +86 13812345678", "my ID is [ID card number], phone [mobile number]", "ID card number, mobile number"),
        (f"我的身份证{ID}，护照E12345678", "我的身份证[身份证号]，护照[护照号]", "身份证号、护照号"),
    ],
    ids=["en", "zh"],
)
async def test_personal_data_is_masked_before_it_is_stored(rest: Any, message: str, masked: str, note: str) -> None:
    reply = await rest.post(message)
    assert rest.bot.texts == [masked]
    assert note in reply[0]["text"] and reply[1]["text"] == "answer"
    stored = " ".join(stored_texts(rest.url))
    assert masked in stored
    assert ID not in stored and "13812345678" not in stored and "E12345678" not in stored


@pytest.mark.asyncio
async def test_only_offered_buttons_pass_as_commands(rest: Any) -> None:
    await rest.post('/inform{"province": "beijing"}')  # nothing offered yet: read as text
    await rest.post(PROVINCE_BUTTON)  # offered by the bot's last message
    await rest.post('/inform{"residency": "hong_kong"}')  # never offered
    assert rest.bot.texts == [
        'inform{"province": "beijing"}',
        PROVINCE_BUTTON,
        'inform{"residency": "hong_kong"}',
    ]


@pytest.mark.asyncio
async def test_a_button_of_another_conversation_does_not_pass(rest: Any) -> None:
    await rest.post("hello", sender="other")  # the bot offers the button to "other"
    await rest.post(PROVINCE_BUTTON, sender="u1")
    assert rest.bot.texts[-1] == PROVINCE_BUTTON.lstrip("/")


@pytest.mark.asyncio
async def test_restart_says_what_was_forgotten(rest: Any) -> None:
    await rest.post("in anhui")
    reply = await rest.post("/restart")
    assert rest.bot.texts[-1] == "/restart"
    (message,) = reply
    assert "starting over" in message["text"] and "province: Anhui" in message["text"]
    assert "utter_action" not in message


@pytest.mark.asyncio
async def test_session_start_typed_in_chinese_starts_over_in_chinese(rest: Any) -> None:
    await rest.post("我是个人，在anhui备案")
    (message,) = await rest.post("/session_start")
    assert "重新开始" in message["text"]
    assert "省份：安徽" in message["text"] and "备案主体：个人" in message["text"]


@pytest.mark.asyncio
async def test_restart_of_a_new_conversation_says_nothing_was_known(rest: Any) -> None:
    (message,) = await rest.post("/restart", sender="new")
    assert "had not told me a province" in message["text"]


@pytest.mark.asyncio
async def test_rest_token_is_required_when_set(rest: Any) -> None:
    with settings.override(REST_TOKEN="s3cret"):
        refused = await rest.post("hi", status=401)
        wrong = await rest.post("hi", headers={"Authorization": "Bearer nope"}, status=401)
        ok = await rest.post("hi", headers={"Authorization": "Bearer s3cret"})
    assert "REST_TOKEN" in refused["error"] and "REST_TOKEN" in wrong["error"]
    assert ok[-1]["text"] == "answer"
    assert await rest.post("hi")  # unset again: open, as before
