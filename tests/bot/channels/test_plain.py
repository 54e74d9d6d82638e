"""Every domain response reads well as plain text, in English and in Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from bot.channels.plain import as_plain_text, button_list
from bot.core.provinces_text import template_variables
from bot.nlu.tokenizer import CJK_CHAR_PATTERN
from tests.data.responses import summary_placeholders

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(str(ROOT / "domain"))
NLG = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
# The values the tailored actions pass; any province (and list of provinces) does.
PROVINCE = {"province_en": "Gansu", "province_zh": "甘肃"}
PROVINCE.update(
    {name: "Gansu and Hunan" if name.endswith("_en") else "甘肃和湖南" for name in template_variables()}
)
# A province summary's lines (every line of data/province_summary.yml).
PROVINCE.update(summary_placeholders())
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
IDEOGRAPH = re.compile(CJK_CHAR_PATTERN)
URL = re.compile(r"https?://\S+")
# Chinese answers keep a few Latin words (APP, ICP, .jpg, MB); at least this share of their
# letters must be ideographs.
MIN_CHINESE_SHARE = 0.6


def render(name: str, language: str) -> Dict:
    message = NLG.generate_from_slots(name, {"language": language, **PROVINCE}, "plain")
    assert message is not None, f"{name} has no {language} variation"
    return message


def button_titles(message: Dict) -> List[str]:
    return [b["title"] for b in message.get("buttons") or []]


def test_buttons_become_a_numbered_list():
    message = {"text": "Pick one:", "buttons": [{"title": "Beijing"}, {"title": "Gansu"}]}
    assert as_plain_text(message) == "Pick one:\n\n1. Beijing\n2. Gansu"


def test_text_without_buttons_is_unchanged_and_buttons_alone_still_read():
    assert as_plain_text({"text": " Hello ", "buttons": []}) == "Hello"
    assert as_plain_text({"buttons": [{"title": "Yes", "payload": "/affirm"}]}) == "1. Yes"
    assert as_plain_text({}) == ""
    assert button_list([{"title": ""}, {"payload": "/x"}]) == ""


def test_the_domain_has_responses():
    assert len(DOMAIN.responses) > 20


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(DOMAIN.responses))
def test_every_response_reads_as_plain_text(name, language):
    message = render(name, language)
    text = as_plain_text(message)

    assert text.strip(), f"{name} ({language}) renders empty"
    assert not PLACEHOLDER.search(text), f"{name} ({language}) has an unfilled placeholder"
    for number, title in enumerate(button_titles(message), start=1):
        assert f"{number}. {title}" in text
    prose = URL.sub("", text)  # links are in no language
    ideographs = len(IDEOGRAPH.findall(prose))
    letters = sum(1 for char in prose if char.isalpha())
    if language == "zh":
        assert ideographs / letters >= MIN_CHINESE_SHARE, f"{name} (zh) is not mostly Chinese"
    else:
        assert ideographs == 0, f"{name} (en) contains Chinese"
