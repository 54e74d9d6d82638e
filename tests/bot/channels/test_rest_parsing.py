"""Request validation of the hardened REST channel, without a server."""
from __future__ import annotations

import json

import pytest

from bot.channels.http import MAX_BODY_BYTES, RequestError
from bot.channels.rest import parse_body
from bot.core.limits import (
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_SENDER_CHARS,
    json_text_depth,
)
from bot.channels.safety import clean_text


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_brackets_inside_strings_do_not_count_as_depth():
    message = "[" * 100 + '{\\"' + "{" * 100
    assert parse_body(body({"sender": "a", "message": message}))[1] == message.strip()
    assert json_text_depth('{"a": "[[[\\"[", "b": [[1]]}') == 3


def test_metadata_at_the_limits_is_accepted():
    metadata = nested(MAX_METADATA_DEPTH)
    assert parse_body(body({"sender": "a", "message": "hi", "metadata": metadata}))[2] == metadata


@pytest.mark.parametrize(
    "raw, status, fragment",
    [
        (b"", 400, "not valid JSON"),
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe{}", 400, "UTF-8"),
        (body([{"sender": "a", "message": "hi"}]), 400, "JSON object"),
        (body("hi"), 400, "JSON object"),
        (body({"sender": "a", "message": 42}), 400, "'message' must be a string"),
        (body({"sender": ["a"], "message": "hi"}), 400, "'sender' must be a string"),
        (body({"sender": True, "message": "hi"}), 400, "'sender' must be a string"),
        (body({"sender": "x" * (MAX_SENDER_CHARS + 1), "message": "hi"}), 400, "at most"),
        (body({"sender": "a", "message": "hi", "metadata": [1]}), 400, "'metadata'"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "larger than"),
        # ~1000 levels in 2 KB: the decoder would recurse past Python's limit (was a 500).
        (b"[" * 1000 + b"]" * 1000, 400, "nested deeper"),
        (b'{"sender": "a", "message": "hi", "x": ' + b"[" * 990 + b"]" * 990 + b"}", 400, "nested"),
        (body({"sender": "a", "message": "hi", "metadata": nested(MAX_METADATA_DEPTH + 1)}),
         400, "levels deep"),
        (body({"sender": "a", "message": "hi", "metadata": {"x": "y" * MAX_METADATA_BYTES}}),
         400, "bytes"),
    ],
)
def test_rejects_malformed_requests(raw, status, fragment):
    with pytest.raises(RequestError) as e:
        parse_body(raw)
    assert e.value.status == status
    assert fragment in e.value.message


def test_accepts_the_stock_format():
    assert parse_body(body({"sender": "u1", "message": " hello "})) == ("u1", "hello", {})


def test_missing_sender_and_message_are_allowed():
    assert parse_body(body({})) == (None, "", {})
    assert parse_body(body({"sender": 12, "message": None})) == ("12", "", {})


def test_control_characters_are_removed():
    assert clean_text("a\x00b\x1bc\u0085d\n") == "a b c d"
    assert clean_text("\ud800x") == "?x"
