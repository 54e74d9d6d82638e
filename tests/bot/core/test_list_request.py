"""Telling a question for the list of provinces from a question about one."""
from __future__ import annotations

import pytest

from bot.core import tailoring
from bot.core.list_request import asks_for_list, wants_list
from bot.core.phrases import compile_phrases


@pytest.mark.parametrize("text", [
    "which provinces support uploading with the app?",
    "In which provinces can I use the mobile app",
    "list of provinces where the app works",
    "哪些省份可以用APP上传资料？",
    "app上传支持哪些地区",
])
def test_list_questions(text: str) -> None:
    assert asks_for_list(text)


@pytest.mark.parametrize("text", [
    "can I use the app?",
    "is the app available in guangdong",
    "可以用APP上传吗",
    "",
])
def test_questions_about_one_province_or_none(text: str) -> None:
    assert not asks_for_list(text)


def test_latin_cues_match_whole_words_only() -> None:
    cues = compile_phrases({"en": ["which regions"], "zh": ["哪些省"]})
    assert cues.search("which regions allow it")
    assert not cues.search("which regionsx")
    assert cues.search("APP支持哪些省份")


def test_a_message_naming_a_province_is_about_it() -> None:
    entities = [{"entity": "province", "value": "gansu"}]
    assert not wants_list("which provinces, is gansu one of them?", entities)
    assert wants_list("which provinces support the app?", [])


def test_the_list_answer_without_a_province_offers_to_check_it(rules_repo) -> None:
    result = tailoring.answer("app_upload_availability", {}, rules_repo, wants_list=True)
    assert [r.response for r in result.replies] == [
        tailoring.LISTED_GENERAL["app_upload_availability"], tailoring.OFFER_PROVINCE_CHECK
    ]
    assert result.offer == "province"
    # Agent assist cannot ask: the list alone.
    result = tailoring.answer("app_upload_availability", {}, rules_repo, may_ask=False, wants_list=True)
    assert [r.response for r in result.replies] == [tailoring.LISTED_GENERAL["app_upload_availability"]]
    assert result.offer is None
