"""Slack and Telegram renderings of options, and typed choices on Slack (no network)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from rasa.core.channels.slack import SlackInput
from sanic import Blueprint

from bot.channels.messaging import (
    NumberedSlackBot,
    NumberedSlackInput,
    VerticalTelegramOutput,
)

BUTTONS = [{"title": f"Province {i}", "payload": f"/inform{{\"province\": \"p{i}\"}}"} for i in range(1, 7)]


def slack_bot(posts: List[Dict[str, Any]]) -> NumberedSlackBot:
    bot = NumberedSlackBot("xoxb-test-token", slack_channel=None)

    async def record(channel: str, **kwargs: Any) -> None:
        posts.append({"channel": channel, **kwargs})

    bot._post_message = record
    return bot


@pytest.mark.asyncio
async def test_slack_keeps_up_to_five_buttons():
    posts: List[Dict[str, Any]] = []
    await slack_bot(posts).send_text_with_buttons("U1", "Pick one:", BUTTONS[:5])
    [post] = posts
    elements = post["blocks"][1]["elements"]
    assert [e["text"]["text"] for e in elements] == [b["title"] for b in BUTTONS[:5]]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text, prompt",
    [("Which province?", "Reply with a number to choose."), ("你在哪个省份备案？", "回复数字选择。")],
)
async def test_slack_gets_the_numbered_form_beyond_five_buttons(text, prompt):
    posts: List[Dict[str, Any]] = []
    await slack_bot(posts).send_text_with_buttons("U1", text, BUTTONS)
    [post] = posts  # one message: the list stays with its question
    assert "blocks" not in post and post["channel"] == "U1"
    assert post["text"] == text + "\n\n" + "\n".join(f"{i}. Province {i}" for i in range(1, 7)) + "\n" + prompt


def test_the_slack_input_builds_the_numbered_output():
    channel = NumberedSlackInput("xoxb-test-token", slack_channel="C1", slack_signing_secret="s")
    output = channel.get_output_channel(None, "123.45")
    assert isinstance(output, NumberedSlackBot)
    assert (output.slack_channel, output.thread_id) == ("C1", "123.45")


@pytest.mark.asyncio
async def test_a_typed_number_on_slack_picks_the_option(monkeypatch):
    domain = Domain.load("domain")
    store = InMemoryTrackerStore(domain)
    tracker = await store.get_or_create_tracker("U1")
    tracker.update(UserUttered("I want to file"))
    tracker.update(BotUttered("Which province?", data={"buttons": BUTTONS}))
    await store.save(tracker)
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    # Capture the handler the stock Slack routes would call.
    handlers: List[Any] = []

    def stock_blueprint(self: SlackInput, handler: Any) -> Blueprint:
        handlers.append(handler)
        return Blueprint(f"slack_test_{len(handlers)}")

    monkeypatch.setattr(SlackInput, "blueprint", stock_blueprint)
    channel = NumberedSlackInput("xoxb-test-token", slack_signing_secret="s")
    channel.blueprint(on_new_message)
    agent = SimpleNamespace(tracker_store=store, domain=domain)
    channel._app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    [handle] = handlers
    await handle(UserMessage("6", sender_id="U1"))
    await handle(UserMessage("Province 2", sender_id="U1"))
    await handle(UserMessage("7", sender_id="U1"))
    assert [m.text for m in received] == ['/inform{"province": "p6"}', '/inform{"province": "p2"}', "7"]


class RecordingTelegram(VerticalTelegramOutput):
    def __init__(self) -> None:
        super().__init__("123456789:AAEtesttokenAAAAAAAAAAAAAAAAAAAAAAA")
        self.sent: List[Dict[str, Any]] = []

    async def send_message(self, chat_id: Any, text: str, **kwargs: Any) -> None:
        self.sent.append({"chat_id": chat_id, "text": text, **kwargs})


@pytest.mark.asyncio
async def test_telegram_puts_one_button_per_row():
    output = RecordingTelegram()
    await output.send_text_with_buttons("42", "Which province?", BUTTONS)
    [message] = output.sent
    rows = message["reply_markup"].inline_keyboard
    assert [[button.text for button in row] for row in rows] == [[b["title"]] for b in BUTTONS]
    assert [row[0].callback_data for row in rows] == [b["payload"] for b in BUTTONS]


@pytest.mark.asyncio
async def test_telegram_reply_keyboards_are_left_alone():
    output = RecordingTelegram()
    await output.send_text_with_buttons("42", "Pick", BUTTONS[:2], button_type="reply")
    assert type(output.sent[0]["reply_markup"]).__name__ == "ReplyKeyboardMarkup"
