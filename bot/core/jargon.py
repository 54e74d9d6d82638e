"""Pinyin jargon, read as the English words it stands for (or, in Chinese, its characters), and
Chinese forum abbreviations, written out.

Foreigners and overseas Chinese who file write the Chinese terms they met on the forms and in
forums, in pinyin: "Does the hexiaodan need our gongzhang?", "mubu photo what should i wear".
The classifier, the splitter and the lexicon know the English words ("verification form",
"official seal", "backdrop"), so such a message read as written is near-topic or nothing at
all. The lexicon's ``pinyin_terms`` lists each term's spellings; in a message without Chinese
characters they are replaced, as whole words in any case, by the English words.

Unlike the Chinese rewrites (:mod:`bot.core.script`, :mod:`bot.core.ime`) this one changes the
text's length: entity positions in the parse data are those of the rewritten text, which is
the parse data's text too. The user's own words stay in the conversation (Rasa stores the
channel's text). Rasa-free: used by :class:`bot.nlu.script.PinyinTerms`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Pattern, Tuple

import yaml

from bot import settings
from bot.core.script import detect_language, has_ideographs


@lru_cache(maxsize=2)
def _terms(path: Path) -> Tuple[Optional[Pattern[str]], Dict[str, str], Dict[str, str]]:
    """One pattern of every spelling (longest first), the English words each stands for and
    the Chinese words (where the lexicon gives them)."""
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = lexicon.get("pinyin_terms") or {}
    chinese = {str(english): str(words) for english, words in (lexicon.get("pinyin_terms_zh") or {}).items()}
    meaning = {str(spelling).lower(): str(english) for english, spellings in entries.items() for spelling in spellings}
    if not meaning:
        return None, {}, {}
    alternatives = "|".join(
        r"\s+".join(map(re.escape, spelling.split())) for spelling in sorted(meaning, key=len, reverse=True)
    )
    pattern = re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])", re.IGNORECASE)
    return pattern, meaning, {spelling: chinese[english] for spelling, english in meaning.items() if english in chinese}


def read_pinyin_terms(text: str, path: Path = settings.LEXICON_FILE) -> str:
    """``text`` with the lexicon's pinyin terms replaced by their English words.

    Args:
        text: A user's message.
        path: The lexicon holding ``pinyin_terms``.

    Returns:
        The text as read: in a message written in Chinese (its words besides the terms, by the
        assistant's language rule) the terms' Chinese words, in one without Chinese characters their
        English words; unchanged otherwise (an English message quoting a Chinese word keeps
        its pinyin) or when it names no term.
    """
    if not text:
        return text
    pattern, meaning, chinese = _terms(path)
    if pattern is None:
        return text
    if has_ideographs(text):
        if detect_language(pattern.sub("", text)) != "zh":
            return text
        return pattern.sub(lambda m: chinese.get(" ".join(m.group(0).lower().split()), m.group(0)), text)
    return pattern.sub(lambda m: meaning[" ".join(m.group(0).lower().split())], text)


@lru_cache(maxsize=2)
def _abbreviations(path: Path) -> Tuple[Optional[Pattern[str]], Dict[str, str]]:
    """One pattern of the lexicon's Chinese abbreviations and the words each stands for."""
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = lexicon.get("zh_abbreviations") or {}
    words = {str(short): str(entry["means"]) for short, entry in entries.items()}
    if not words:
        return None, {}
    alternatives = []
    for short, entry in sorted(entries.items(), key=lambda item: len(str(item[0])), reverse=True):
        before = "".join(map(re.escape, entry.get("not_after") or []))
        after = "".join(map(re.escape, entry.get("not_before") or []))
        alternatives.append(
            (f"(?<![{before}])" if before else "") + re.escape(str(short)) + (f"(?![{after}])" if after else "")
        )
    return re.compile("|".join(alternatives)), words


def read_jargon(text: str, path: Path = settings.LEXICON_FILE) -> str:
    """``text`` with pinyin terms read (:func:`read_pinyin_terms`) and, in a Chinese message, the
    forum abbreviations of ``zh_abbreviations`` ("个备", "企备") written out: the classifier
    and the detail words know "个人备案", not "个备".

    Args:
        text: A user's message.
        path: The lexicon holding ``pinyin_terms`` and ``zh_abbreviations``.
    """
    text = read_pinyin_terms(text, path)
    if not text or not has_ideographs(text):
        return text
    pattern, words = _abbreviations(path)
    if pattern is None or detect_language(text) != "zh":
        return text
    return pattern.sub(lambda m: words[m.group(0)], text)
