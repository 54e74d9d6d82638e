"""Pinyin jargon is read as the English words it stands for, or its characters in Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.jargon import read_jargon, read_pinyin_terms


@pytest.mark.parametrize("text, read", [
    ("Does the hexiaodan need our gongzhang?", "Does the verification form need our official seal?"),
    # 核验单 as it is spelled (he-yan-dan), and as forums often misspell it.
    ("who signs the heyandan", "who signs the verification form"),
    ("mubu photo what shoud i wear", "backdrop photo what shoud i wear"),
    # Any case, spaces between syllables, several terms.
    ("Mu Bu colour?", "backdrop colour?"),
    ("guanju bohui my order, back to caogao", "communications administration rejected my order, back to draft"),
    # Whole words only.
    ("umbrella mubuX", "umbrella mubuX"),
    # In a Chinese message, the term's characters; an English message quoting a Chinese word
    # keeps its pinyin.
    ("我的hexiaodan签好了", "我的核验单签好了"),
    ("hexiaodan从哪弄", "核验单从哪弄"),
    ("企备的hexiaodan必需盖gongzhang吗", "企备的核验单必需盖公章吗"),
    ("guanju wants a 授权书. How do I upload it?", "guanju wants a 授权书. How do I upload it?"),
    ("where is the beian console?", "where is the beian console?"),
    ("", ""),
])
def test_pinyin_terms_are_read_as_english(text: str, read: str) -> None:
    assert read_pinyin_terms(text) == read


@pytest.mark.parametrize("text, read", [
    # Chinese forum abbreviations are written out...
    ("个备需要准备哪些材料？", "个人备案需要准备哪些材料？"),
    ("企备的hexiaodan必需盖公章吗", "企业备案的核验单必需盖公章吗"),
    # ...but not where the characters are a measure word and 备案 ("一个备案", "做个备案").
    ("一个备案下面有4个域名", "一个备案下面有4个域名"),
    ("想做个备案 要传啥", "想做个备案 要传啥"),
    # An English message keeps them.
    ("what is 个备 in English?", "what is 个备 in English?"),
])
def test_jargon_writes_out_chinese_abbreviations(text: str, read: str) -> None:
    assert read_jargon(text) == read


def test_a_lexicon_without_terms_changes_nothing(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("version: 1\n", encoding="utf-8")
    assert read_pinyin_terms("mubu photo", lexicon) == "mubu photo"


def test_every_chinese_reading_belongs_to_a_term() -> None:
    # A key of pinyin_terms_zh that no pinyin_terms entry has would silently read nothing.
    import yaml

    from bot import settings

    lexicon = yaml.safe_load(settings.LEXICON_FILE.read_text(encoding="utf-8"))
    assert set(lexicon["pinyin_terms_zh"]) <= set(lexicon["pinyin_terms"])
