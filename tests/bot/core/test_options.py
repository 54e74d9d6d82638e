"""Numbered options: rendering in both languages, last options of a conversation, resolving."""

from __future__ import annotations

import pytest

from bot.core.options import (
    Option,
    last_options,
    numbered_text,
    options_of,
    prompt,
    resolve,
)

PROVINCES_EN = [
    {"title": "Guangdong", "payload": '/inform{"province": "guangdong"}'},
    {"title": "Beijing", "payload": '/inform{"province": "beijing"}'},
    {"title": "Inner Mongolia", "payload": '/inform{"province": "neimenggu"}'},
]
PROVINCES_ZH = [
    {"title": "广东", "payload": '/inform{"province": "guangdong"}'},
    {"title": "北京", "payload": '/inform{"province": "beijing"}'},
]


def bot(buttons=None, timestamp=1000.0, text="pick"):
    data = {"buttons": buttons} if buttons is not None else {}
    return {"event": "bot", "text": text, "timestamp": timestamp, "data": data}


def user(text="hi", timestamp=900.0):
    return {"event": "user", "text": text, "timestamp": timestamp}


def test_english_rendering():
    assert numbered_text("Which province?", PROVINCES_EN, "en") == (
        "Which province?\n\n1. Guangdong\n2. Beijing\n3. Inner Mongolia\n"
        "Reply with a number to choose."
    )


def test_chinese_rendering():
    assert numbered_text("你在哪个省份备案？", PROVINCES_ZH, "zh") == (
        "你在哪个省份备案？\n\n1. 广东\n2. 北京\n回复数字选择。"
    )


def test_unknown_language_gets_both_prompts():
    assert prompt(None) == "Reply with a number to choose. / 回复数字选择。"


def test_no_buttons_leaves_the_text_alone():
    assert numbered_text(" Hello ", [], "en") == "Hello"
    assert numbered_text("Hello", [{"title": "  ", "payload": "/x"}], "en") == "Hello"


def test_buttons_without_text():
    assert numbered_text("", PROVINCES_ZH[:1], "zh") == "1. 广东\n回复数字选择。"


def test_untitled_buttons_do_not_take_a_number():
    options = options_of([{"title": "", "payload": "/a"}, {"title": "B", "payload": "/b"}])
    assert options == [Option("B", "/b")]
    assert resolve("1", options) == "/b"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1", '/inform{"province": "guangdong"}'),
        (" 2 ", '/inform{"province": "beijing"}'),
        ("3.", '/inform{"province": "neimenggu"}'),
        ("(3)", '/inform{"province": "neimenggu"}'),
        ("２", '/inform{"province": "beijing"}'),  # full-width digit, as Chinese keyboards type
        ("2、", '/inform{"province": "beijing"}'),
        ("2。", '/inform{"province": "beijing"}'),
        ("（2）", '/inform{"province": "beijing"}'),
        ("beijing", '/inform{"province": "beijing"}'),
        ("  inner   MONGOLIA ", '/inform{"province": "neimenggu"}'),
        ("4", None),
        ("0", None),
        ("12345", None),
        ("Beijing please", None),
        ("how do I upload 2 domains?", None),
        ("/greet", None),
        ("", None),
        (None, None),
    ],
)
def test_resolving_english_options(typed, expected):
    assert resolve(typed, options_of(PROVINCES_EN)) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [("1", '/inform{"province": "guangdong"}'), ("北京", '/inform{"province": "beijing"}'),
     ("上海", None)],
)
def test_resolving_chinese_options(typed, expected):
    assert resolve(typed, options_of(PROVINCES_ZH)) == expected


def test_nothing_resolves_without_options():
    assert resolve("1", []) is None


def test_last_options_are_those_of_the_last_message_with_buttons_of_the_last_turn():
    events = [
        user(),
        bot(PROVINCES_ZH),
        user("x"),
        {"event": "action", "name": "utter_ask_province"},
        bot(PROVINCES_EN),
        bot(None, text="a message without buttons after them"),
        {"event": "action", "name": "action_listen"},
    ]
    assert last_options(events) == options_of(PROVINCES_EN)


def test_options_of_an_earlier_turn_no_longer_count():
    assert last_options([bot(PROVINCES_EN), user("something else"), bot(None)]) == []


def test_a_session_start_clears_the_options():
    assert last_options([bot(PROVINCES_EN), {"event": "session_started"}]) == []


def test_options_older_than_the_session_do_not_count():
    events = [user(), bot(PROVINCES_EN, timestamp=1000.0)]
    assert last_options(events, now=1000.0 + 3599, max_age=3600) == options_of(PROVINCES_EN)
    assert last_options(events, now=1000.0 + 3601, max_age=3600) == []
