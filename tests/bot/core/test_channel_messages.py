"""Channel texts: every one in English and Chinese, placeholders filled, unknown language = both."""

from __future__ import annotations

import re

from bot.core.channel_messages import channel_messages, channel_text

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_text_has_both_languages_with_the_same_placeholders():
    for key, by_language in channel_messages().items():
        assert set(by_language) == {"en", "zh"}, key
        assert set(PLACEHOLDER.findall(by_language["en"])) == set(
            PLACEHOLDER.findall(by_language["zh"])
        ), key


def test_text_in_one_language_with_values():
    text = channel_text("answer_continues_on_help_page", "zh", url="https://example.org/help/")
    assert text == "完整回答请到帮助页面查看：https://example.org/help/"


def test_unknown_language_gives_every_language():
    assert channel_text("starting_up", None) == (
        "Sorry, the assistant is starting up. Please try again in a moment. / 助手正在启动，请稍后再试。"
    )
