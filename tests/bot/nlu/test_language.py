"""LanguageDetector: one `language` entity per message that has letters."""
from __future__ import annotations

from typing import Optional

import pytest

from bot.nlu.language import LanguageDetector, detect_language
from tests.bot.nlu.components import build, messages


@pytest.mark.parametrize(
    "text, expected",
    [
        ("How do I upload my ID card?", "en"),
        ("hi", "en"),
        ("Guangdong", "en"),
        ("I'm in 广 province", "en"),
        ("my name is 王 and I need help", "en"),
        ("ICP备案要什么材料", "zh"),
        ("APP上传", "zh"),
        ("用阿里云app怎么上传", "zh"),
        ("图片不能超过4MB吗？", "zh"),
        ("粤", "zh"),
        ("你好", "zh"),
        ("Can I upload 身份证 in the app", "en"),
        ("😀😀", None),
        ("12345", None),
        ("?!", None),
        ("", None),
        ("   ", None),
        ("/greet", None),
        ('/inform{"province": "guangdong"}', None),
    ],
)
def test_detect_language(text: str, expected: Optional[str]) -> None:
    assert detect_language(text) == expected


def test_component_adds_language_entity(tmp_path) -> None:
    detector = build(LanguageDetector, tmp_path, train=False).component
    english, chinese, emoji = detector.process(messages("hello", "你好呀", "👍"))
    assert english.get("entities") == [
        {
            "entity": "language",
            "value": "en",
            "start": 0,
            "end": 0,
            "confidence_entity": 1.0,
            "extractor": "LanguageDetector",
        }
    ]
    assert [e["value"] for e in chinese.get("entities")] == ["zh"]
    assert emoji.get("entities", []) == []


def test_component_keeps_existing_entities(tmp_path) -> None:
    detector = build(LanguageDetector, tmp_path, train=False).component
    [message] = messages("I'm in Hunan")
    message.set("entities", [{"entity": "province", "value": "hunan", "start": 7, "end": 12}])
    detector.process([message])
    assert [e["entity"] for e in message.get("entities")] == ["province", "language"]
