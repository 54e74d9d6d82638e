"""POST /webhooks/feedback on a real Sanic server (127.0.0.1): ratings only from the conversation
they rate, for answers given there, once per answer, rate-limited, personal data masked."""
from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any, Dict

import aiohttp
import pytest
import pytest_asyncio
from rasa.core.channels.channel import register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import settings
from bot.channels.web import HelpPageInput
from bot.core import session_proof
from bot.feedback.models import Feedback
from bot.feedback.repository import FeedbackRepository

Sanic.test_mode = True
_names = itertools.count()
DOMAIN = Domain.load("domain")
SECRET = "feedback-test-secret"


@pytest.fixture(autouse=True)
def session_secret() -> Any:
    with settings.override(SESSION_SECRET=SECRET):
        yield


@pytest_asyncio.fixture
async def site(engine: Any):
    store = InMemoryTrackerStore(DOMAIN)
    channel = HelpPageInput(rate_limit_per_minute=60, rate_limit_burst=5)
    channel._repository = FeedbackRepository(engine)
    app = Sanic(f"feedback_{next(_names)}")
    app.ctx.agent = SimpleNamespace(tracker_store=store, domain=DOMAIN)
    register([channel], app, "/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=0, return_asyncio_server=True)
    await srv.startup()
    await srv.start_serving()
    port = srv.server.sockets[0].getsockname()[1]

    async def conversation(*answers: str) -> str:
        """A widget session whose conversation got these answers."""
        session_id = session_proof.issue(SECRET.encode())
        tracker = await store.get_or_create_tracker(session_id.split(".")[0])
        tracker.update(UserUttered("which documents?"))
        for answer in answers:
            tracker.update(BotUttered("...", metadata={"utter_action": answer}))
        await store.save(tracker)
        return session_id

    async with aiohttp.ClientSession() as session:

        async def rate(sender_id: str, answer_key: str = "utter_faq_documents", **changes: str):
            body: Dict[str, str] = {
                "sender_id": sender_id,
                "question": "which documents?",
                "answer_key": answer_key,
                "language": "en",
                "rating": "not_helpful",
                **changes,
            }
            url = f"http://127.0.0.1:{port}/webhooks/feedback"
            async with session.post(url, json=body) as reply:
                return reply.status, dict(reply.headers), await reply.json()

        yield SimpleNamespace(rate=rate, conversation=conversation, engine=engine)
    await srv.close()


def stored(engine: Any) -> list:
    FeedbackRepository(engine).count(sender_id="", answer_key="")  # creates the table if needed
    with Session(engine) as session:
        return [(r.sender_id, r.answer_key, r.question) for r in session.scalars(select(Feedback))]


@pytest.mark.asyncio
async def test_a_rating_of_an_answer_given_in_the_conversation_is_stored(site: Any) -> None:
    session_id = await site.conversation("utter_faq_documents")
    status, _, body = await site.rate(session_id, question="documents? my phone is 13812345678")
    assert status == 201 and body["id"]
    # The conversation id only (no proof), and the question without the phone number.
    assert stored(site.engine) == [
        (session_id.split(".")[0], "utter_faq_documents", "documents? my phone is [mobile number]")
    ]


@pytest.mark.asyncio
async def test_each_answer_can_be_rated_once_per_time_it_was_given(site: Any) -> None:
    session_id = await site.conversation("utter_faq_documents", "utter_greet", "utter_faq_documents")
    statuses = [(await site.rate(session_id))[0] for _ in range(3)]
    assert statuses == [201, 201, 409]
    assert (await site.rate(session_id, "utter_greet"))[0] == 201


@pytest.mark.asyncio
async def test_an_answer_not_given_in_the_conversation_is_refused(site: Any) -> None:
    session_id = await site.conversation("utter_greet")
    status, _, body = await site.rate(session_id, "utter_faq_documents")
    assert status == 400 and "was not given in this conversation" in body["error"]
    assert stored(site.engine) == []


@pytest.mark.asyncio
async def test_a_conversation_that_does_not_exist_is_refused(site: Any) -> None:
    status, _, _ = await site.rate(session_proof.issue(SECRET.encode()))
    assert status == 400


@pytest.mark.asyncio
@pytest.mark.parametrize("sender", ["abc123", "0123456789abcdef0123456789abcdef.forged"])
async def test_a_sender_id_without_proof_is_refused(site: Any, sender: str) -> None:
    status, _, body = await site.rate(sender)
    assert status == 403 and "not a conversation" in body["error"]


@pytest.mark.asyncio
async def test_ratings_are_rate_limited_per_client(site: Any) -> None:
    session_id = await site.conversation(*["utter_faq_documents"] * 10)
    statuses = [(await site.rate(session_id))[0] for _ in range(5)]
    status, headers, body = await site.rate(session_id)
    assert statuses == [201] * 5
    assert status == 429 and int(headers["Retry-After"]) >= 1 and "Too many" in body["error"]
    assert len(stored(site.engine)) == 5
