"""The REST channel's ?options=numbered on a real Sanic server (127.0.0.1), with a fake bot."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any, List

import aiohttp
import pytest
import pytest_asyncio
from rasa.core.channels.channel import register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from bot.channels.rest import HardenedRestInput

Sanic.test_mode = True
_names = itertools.count()
DOMAIN = Domain.load("domain")
BUTTONS = [
    {"title": "Individual", "payload": '/inform{"applicant_type": "individual"}'},
    {"title": "Organisation", "payload": '/inform{"applicant_type": "organization"}'},
]


class AskingBot:
    """Asks with two buttons and stores the turn, as Rasa would."""

    def __init__(self, store: InMemoryTrackerStore) -> None:
        self.store = store
        self.texts: List[str] = []

    async def handle_message(self, message: Any) -> None:
        self.texts.append(message.text)
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        tracker.update(BotUttered("Are you filing as an individual?", data={"buttons": BUTTONS}))
        await self.store.save(tracker)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "Are you filing as an individual?", BUTTONS
        )


@pytest_asyncio.fixture
async def rest():
    store = InMemoryTrackerStore(DOMAIN)
    bot = AskingBot(store)
    app = Sanic(f"rest_numbered_{next(_names)}")
    app.ctx.agent = SimpleNamespace(
        handle_message=bot.handle_message, tracker_store=store, domain=DOMAIN, nlg=None
    )
    register([HardenedRestInput()], app, "/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
    await srv.startup()
    await srv.start_serving()
    port = srv.server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as session:

        async def post(message: str, query: str = "?options=numbered") -> Any:
            url = f"http://127.0.0.1:{port}/webhooks/rest/webhook{query}"
            async with session.post(url, json={"sender": "u1", "message": message}) as reply:
                assert reply.status == 200
                return await reply.json()

        yield post, bot
    await srv.close()


@pytest.mark.asyncio
async def test_numbered_options_and_a_typed_number(rest):
    post, bot = rest
    reply = await post("how do I sign?")
    assert reply == [
        {
            "recipient_id": "u1",
            "text": "Are you filing as an individual?\n\n1. Individual\n2. Organisation\n"
            "Reply with a number to choose.",
        }
    ]
    await post("2")
    assert bot.texts[-1] == '/inform{"applicant_type": "organization"}'


@pytest.mark.asyncio
async def test_without_the_option_buttons_and_typed_numbers_are_untouched(rest):
    post, bot = rest
    reply = await post("how do I sign?", query="")
    assert reply[0]["buttons"] == BUTTONS
    await post("2", query="")
    assert bot.texts[-1] == "2"
