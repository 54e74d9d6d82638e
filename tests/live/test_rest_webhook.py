"""The public REST endpoint of the running bot: answers, bad input, never 500, never silent."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, List, Tuple

import pytest

pytestmark = pytest.mark.live


def post(url: str, data: bytes, content_type: str = "application/json") -> Tuple[int, Any]:
    req = urllib.request.Request(
        url + "/webhooks/rest/webhook", data=data, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def say(url: str, message: Any, sender: Any = "__new__") -> Tuple[int, Any]:
    payload = {"message": message}
    if sender == "__new__":
        payload["sender"] = "live-" + uuid.uuid4().hex[:12]
    elif sender is not None:
        payload["sender"] = sender
    return post(url, json.dumps(payload, ensure_ascii=False).encode())


def texts(messages: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_answers_a_question(bot_url):
    status, messages = say(bot_url, "what image formats can i upload?")
    assert status == 200
    assert "4 MB" in texts(messages) and ".png" in texts(messages)


ODD_MESSAGES = {
    "empty": "",
    "whitespace": "   \n\t ",
    "emoji-only": "😀😀🎉",
    "control-chars": "\x00\x01\x02 \x1b[31m",
    "20000-latin": "a" * 20000,
    "20000-chinese": "备" * 20000,
    "html": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE events; --",
}


@pytest.mark.parametrize("message", ODD_MESSAGES.values(), ids=ODD_MESSAGES.keys())
def test_odd_messages_get_a_helpful_reply(bot_url, message):
    status, messages = say(bot_url, message)
    assert status == 200
    assert isinstance(messages, list) and messages, "the bot must never stay silent"
    assert all(m.get("text") for m in messages)


MALFORMED = {
    "empty-body": b"",
    "broken-json": b"{broken",
    "array": b"[1, 2]",
    "string": b'"just a string"',
    "invalid-utf8": b"\xff\xfe\xfd",
    "null": b"null",
    "1000-char-sender": json.dumps({"sender": "x" * 1000, "message": "hi"}).encode(),
    "object-message": json.dumps({"sender": "a", "message": {"text": "hi"}}).encode(),
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_requests_get_400_with_a_reason(bot_url, raw):
    status, body = post(bot_url, raw)
    assert status == 400
    assert isinstance(body, dict) and body.get("error")


def test_oversized_body_gets_413(bot_url):
    status, body = post(bot_url, json.dumps({"sender": "a", "message": "x" * 70000}).encode())
    assert status == 413 and "larger than" in body["error"]


def test_missing_sender_gets_a_conversation_of_its_own(bot_url):
    status, messages = say(bot_url, "hello", sender=None)
    assert status == 200 and messages
    first = messages[0]["recipient_id"]
    status, messages = say(bot_url, "hello", sender=None)
    assert messages[0]["recipient_id"] != first


def test_server_keeps_serving_after_bad_input(bot_url):
    post(bot_url, b"\x00" * 100)
    status, messages = say(bot_url, "hi")
    assert status == 200 and messages
