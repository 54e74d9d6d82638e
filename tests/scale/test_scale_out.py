"""Two Rasa instances serve one conversation: nothing lost, duplicated or interleaved.

Runs against the scale-out demo (two Rasa instances behind nginx, shared PostgreSQL tracker
store, Redis lock store)::

    scripts/scale_demo.sh start
    eval "$(scripts/scale_demo.sh env)"    # SCALE_URL, SCALE_INSTANCE_URLS, SCALE_DB_URL
    .venv/bin/python -m pytest -q -m scale tests/scale
    scripts/scale_demo.sh stop

The stored conversation is read from PostgreSQL's ``events`` table and compared with what each
HTTP request got back: every user message must be stored exactly once, immediately followed by
the bot messages its own request returned, before the next user message.
"""
from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa

SCALE_URL = os.environ.get("SCALE_URL", "").rstrip("/")

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(
        not SCALE_URL,
        reason="SCALE_URL not set: start the demo with `scripts/scale_demo.sh start` and "
        "`eval \"$(scripts/scale_demo.sh env)\"`",
    ),
]

Reply = Tuple[List[Optional[str]], Dict[str, str]]


def say(base_url: str, sender: str, message: str) -> Reply:
    """Sends one message; returns the bot's texts and the response headers."""
    request = urllib.request.Request(
        base_url + "/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return [m.get("text") for m in json.loads(response.read())], dict(response.headers)


@pytest.fixture(scope="module")
def instance_urls() -> List[str]:
    urls = os.environ.get("SCALE_INSTANCE_URLS", "").split()
    assert len(urls) == 2, "SCALE_INSTANCE_URLS must name the two Rasa instances"
    for url in [SCALE_URL, *urls]:
        try:
            urllib.request.urlopen(url + "/", timeout=5).close()
        except (urllib.error.URLError, OSError) as e:
            pytest.fail(f"{url} does not answer ({e}): is the scale demo running?")
    return [url.rstrip("/") for url in urls]


@pytest.fixture(scope="module")
def db() -> Iterator[sa.engine.Engine]:
    url = os.environ.get("SCALE_DB_URL")
    assert url, "SCALE_DB_URL must point at the demo's tracker database"
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def stored_turns(db: sa.engine.Engine, sender: str) -> List[Tuple[str, Optional[str]]]:
    """The conversation's user and bot events, in storage order: ("user"|"bot", text)."""
    with db.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender},
        ).all()
    return [(kind, json.loads(data).get("text")) for kind, data in rows if kind in ("user", "bot")]


def check_conversation(
    turns: List[Tuple[str, Optional[str]]], replies: Dict[str, List[Optional[str]]]
) -> List[str]:
    """Checks that each message is stored once, followed by exactly its own replies.

    Args:
        turns: The stored user/bot events.
        replies: Each message sent and the texts its HTTP request returned.

    Returns:
        The user messages in storage order.
    """
    order: List[str] = []
    segments: Dict[str, List[Optional[str]]] = {}
    current: Optional[str] = None
    for kind, text in turns:
        if kind == "user":
            assert text not in segments, f"user message stored twice: {text!r}"
            current = text
            order.append(text)
            segments[text] = []
        else:
            assert current is not None, f"bot message before any user message: {text!r}"
            segments[current].append(text)
    assert set(order) == set(replies), (
        f"lost: {sorted(set(replies) - set(order))}, unexpected: {sorted(set(order) - set(replies))}"
    )
    for message, texts in replies.items():
        assert texts, f"no reply to {message!r}"
        assert segments[message] == texts, (
            f"the events after {message!r} are not its own reply (interleaved or lost):\n"
            f"stored: {segments[message]}\nreturned: {texts}"
        )
    return order


CONVERSATION = [
    "hi",
    "which documents do I need to upload?",
    "I'm in Fujian",
    "is app upload available?",
    "we are a company",
    "how do I sign the authenticity verification form?",
    "actually I'm in Hunan",
    "can I use the app to upload?",
    "what image formats are allowed?",
    "thanks",
]


def test_one_conversation_round_robin_over_both_instances(instance_urls, db):
    sender = "scale-seq-" + uuid.uuid4().hex[:10]
    replies: Dict[str, List[Optional[str]]] = {}
    served_by = []
    for message in CONVERSATION:
        texts, headers = say(SCALE_URL, sender, message)
        replies[message] = texts
        served_by.append(headers.get("X-Upstream"))

    assert set(served_by) == {url.split("//")[1] for url in instance_urls}, served_by
    assert check_conversation(stored_turns(db, sender), replies) == CONVERSATION

    # Details given to one instance are used by the next: the tracker is shared.
    def reply(message: str) -> str:
        return " ".join(filter(None, replies[message]))

    assert "available in Fujian" in reply("is app upload available?")
    assert "official seal" in reply("how do I sign the authenticity verification form?")
    assert "not available in Hunan" in reply("can I use the app to upload?")


QUESTIONS = [
    "which documents do I need to upload?",
    "what image formats are allowed?",
    "how do I get the domain name certificate?",
    "my images will not upload",
    "how do I hand in the authenticity statement?",
    "what can the app upload?",
    "any tips for face verification?",
    "my order was rejected, what now?",
    "the owner is German, which ID?",
    "where does the authorization letter go?",
]


def test_concurrent_messages_to_both_instances_are_serialised(instance_urls, db):
    sender = "scale-par-" + uuid.uuid4().hex[:10]
    messages = [f"{QUESTIONS[i % len(QUESTIONS)]} #{i:02d}" for i in range(20)]
    start = threading.Barrier(len(messages))

    def send(i: int) -> Reply:
        start.wait()
        return say(instance_urls[i % 2], sender, messages[i])

    with ThreadPoolExecutor(len(messages)) as pool:
        results = list(pool.map(send, range(len(messages))))

    check_conversation(
        stored_turns(db, sender), {m: texts for m, (texts, _) in zip(messages, results)}
    )
