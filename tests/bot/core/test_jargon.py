"""Pinyin jargon in English messages is read as the English words it stands for."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.jargon import read_pinyin_terms


@pytest.mark.parametrize("text, read", [
    ("Does the hexiaodan need our gongzhang?", "Does the verification form need our official seal?"),
    # 核验单 as it is spelled (he-yan-dan), and as forums often misspell it.
    ("who signs the heyandan", "who signs the verification form"),
    ("mubu photo what shoud i wear", "backdrop photo what shoud i wear"),
    # Any case, spaces between syllables, several terms.
    ("Mu Bu colour?", "backdrop colour?"),
    ("guanju bohui my order, back to caogao", "communications administration rejected my order, back to draft"),
    # Whole words only; Chinese messages are left alone (a Latin word there is a name).
    ("umbrella mubuX", "umbrella mubuX"),
    ("我的hexiaodan签好了", "我的hexiaodan签好了"),
    ("where is the beian console?", "where is the beian console?"),
    ("", ""),
])
def test_pinyin_terms_are_read_as_english(text: str, read: str) -> None:
    assert read_pinyin_terms(text) == read


def test_a_lexicon_without_terms_changes_nothing(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("version: 1\n", encoding="utf-8")
    assert read_pinyin_terms("mubu photo", lexicon) == "mubu photo"
