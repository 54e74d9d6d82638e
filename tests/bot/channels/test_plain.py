"""Every domain response reads well as plain text, in English and in Chinese; numbered options
and typed choices against a stored tracker."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.plain import (
    TYPED_TEXT_KEY,
    with_source_line,
    apply_typed_choice,
    as_plain_text,
    button_list,
    resolve_typed_choice,
    with_numbered_options,
)
from bot.core.options import prompt
from bot.core.provinces_text import template_variables
from bot.nlu.tokenizer import CJK_CHAR_PATTERN
from bot.core.checklist import checklist_texts
from bot.core import compound
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
# The compound-message lines (actions/compound.py passes them).
PROVINCE.update(compound.PLACEHOLDERS)
# What a start over forgot (bot.channels.screening fills it).
PROVINCE["forgotten"] = "province: Gansu"
# The checklist's parts, per language (the action composes them from data/checklist.yml).
CHECKLIST_TEXTS = checklist_texts()
CHECKLIST = {
    language: {
        "checklist_heading": CHECKLIST_TEXTS["titles"]["heading"][language],
        "checklist_summary": CHECKLIST_TEXTS["titles"]["residency"]["hong_kong"][language],
        "checklist_items": "- " + CHECKLIST_TEXTS["items"]["image_rules"][language],
        "checklist_valid_as_of": CHECKLIST_TEXTS["titles"]["rules_valid_as_of"][language].format(date="2025-01-01"),
        "checklist_url": "/help/checklist?province=gansu",
    }
    for language in ("en", "zh")
}
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
IDEOGRAPH = re.compile(CJK_CHAR_PATTERN)
URL = re.compile(r"https?://\S+")
# Chinese answers keep a few Latin words (APP, ICP, .jpg, MB); at least this share of their
# letters must be ideographs.
MIN_CHINESE_SHARE = 0.6


def render(name: str, language: str) -> Dict:
    # position: the place in the handoff queue, passed by actions/handoff.py.
    values = {"language": language, **PROVINCE, **CHECKLIST[language]}
    message = NLG.generate_from_slots(name, values, "plain", position=2)
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


# --- numbered options and typed choices -------------------------------------------------------

WITH_BUTTONS = sorted(
    name for name, variations in DOMAIN.responses.items() if any(v.get("buttons") for v in variations)
)


def test_some_responses_have_buttons():
    assert "utter_ask_province" in WITH_BUTTONS and "utter_greet" in WITH_BUTTONS


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", WITH_BUTTONS)
def test_numbered_options_speak_the_responses_language(name, language):
    message = render(name, language)
    converted = with_numbered_options(message)
    assert "buttons" not in converted
    for number, title in enumerate(button_titles(message), start=1):
        assert f"\n{number}. {title}\n" in converted["text"]
    assert converted["text"].endswith("\n" + prompt(language))


def test_a_message_without_buttons_is_returned_unchanged():
    message = {"text": "Hi", "recipient_id": "u"}
    assert with_numbered_options(message) is message


def test_the_default_language_applies_when_the_text_does_not_tell():
    converted = with_numbered_options({"text": "", "buttons": [{"title": "广东", "payload": "/g"}]}, "zh")
    assert converted["text"] == "1. 广东\n回复数字选择。"


async def _store_with(events, domain=DOMAIN):
    store = InMemoryTrackerStore(domain)
    tracker = await store.get_or_create_tracker("u1")
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return SimpleNamespace(tracker_store=store, domain=domain)


@pytest.mark.asyncio
async def test_a_typed_number_resolves_against_the_stored_tracker():
    buttons = render("utter_ask_province", "zh")["buttons"]
    agent = await _store_with([UserUttered("我要备案"), BotUttered("你在哪个省份备案？", data={"buttons": buttons})])
    assert await resolve_typed_choice(agent, "u1", "3") == buttons[2]["payload"]
    assert await resolve_typed_choice(agent, "u1", buttons[1]["title"]) == buttons[1]["payload"]
    assert await resolve_typed_choice(agent, "u1", "多个域名怎么填") is None
    assert await resolve_typed_choice(agent, "someone-else", "3") is None
    assert await resolve_typed_choice(None, "u1", "3") is None


@pytest.mark.asyncio
async def test_options_of_an_expired_session_do_not_resolve():
    buttons = [{"title": "A", "payload": "/a"}]
    shown = time.time() - DOMAIN.session_config.session_expiration_time * 60 - 5
    agent = await _store_with([UserUttered("x"), BotUttered("Pick", data={"buttons": buttons}, timestamp=shown)])
    assert await resolve_typed_choice(agent, "u1", "1") is None


@pytest.mark.asyncio
async def test_a_picked_option_keeps_the_typed_words_in_the_metadata():
    buttons = [{"title": "A", "payload": "/a"}]
    agent = await _store_with([UserUttered("x"), BotUttered("Pick", data={"buttons": buttons})])
    message = UserMessage("1", sender_id="u1", metadata={"k": "v"})
    await apply_typed_choice(agent, message)
    assert message.text == "/a" and message.metadata == {"k": "v", TYPED_TEXT_KEY: "1"}
    untouched = UserMessage("hello", sender_id="u1")
    await apply_typed_choice(agent, untouched)
    assert untouched.text == "hello" and not untouched.metadata


@pytest.mark.asyncio
async def test_a_broken_tracker_store_leaves_the_message_as_typed():
    class Broken:
        async def retrieve(self, sender_id):
            raise ConnectionError("store down")

    message = UserMessage("1", sender_id="u1")
    await apply_typed_choice(SimpleNamespace(tracker_store=Broken(), domain=DOMAIN), message)
    assert message.text == "1"


# --- provenance in plain text -----------------------------------------------------------------


def test_an_faq_answer_ends_with_its_source_line_in_its_language():
    english = with_source_line({"text": "Yes: app upload ...", "utter_action": "utter_app_available",
                                "rules_valid_as_of": "2025-01-01"})
    assert english["text"].endswith(
        "\n\nSource: FAQ “Upload documents with the Alibaba Cloud application and verify the website "
        "owner.” (#section_cfv_rbt_zdb), http://beian.aliyun.com/ · Province rules valid as of 2025-01-01."
    )
    chinese = with_source_line({"text": "可以。", "utter_action": "utter_faq_documents"})
    assert chinese["text"] == "可以。\n\n来源：常见问题“资料上传要求”（#section_t2v_rbt_zdb），http://beian.aliyun.com/"


def test_messages_from_no_faq_section_are_unchanged():
    for message in ({"text": "Hi!", "utter_action": "utter_greet"}, {"text": "plain"},
                    {"text": "Which province?", "utter_action": "utter_ask_province"}):
        assert with_source_line(message) == message


@pytest.mark.asyncio
async def test_rest_collector_keeps_the_source_and_numbered_replies_show_it():
    from bot.channels.rest import HardenedRestInput, SourcedCollectingOutputChannel

    collector = SourcedCollectingOutputChannel()
    await collector.send_response("me", {"text": "Upload ...", "utter_action": "utter_faq_documents"})
    await collector.send_response("me", {"text": "Hello", "utter_action": "utter_greet"})
    first, second = collector.messages
    assert first["source"]["anchor"] == "#section_t2v_rbt_zdb" and "source" not in second
    shaped = HardenedRestInput._shaped(collector.messages, numbered=True)
    assert shaped[0]["text"].endswith(first["source"]["line"])
    assert HardenedRestInput._shaped(collector.messages, numbered=False)[0]["text"] == "Upload ..."
