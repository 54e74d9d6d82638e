"""Pinyin jargon in English messages, read as the English words it stands for.

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
from bot.core.script import has_ideographs


@lru_cache(maxsize=2)
def _terms(path: Path) -> Tuple[Optional[Pattern[str]], Dict[str, str]]:
    """One pattern of every spelling (longest first) and the English words each stands for."""
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("pinyin_terms") or {}
    meaning = {str(spelling).lower(): str(english) for english, spellings in entries.items() for spelling in spellings}
    if not meaning:
        return None, {}
    alternatives = "|".join(
        r"\s+".join(map(re.escape, spelling.split())) for spelling in sorted(meaning, key=len, reverse=True)
    )
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])", re.IGNORECASE), meaning


def read_pinyin_terms(text: str, path: Path = settings.LEXICON_FILE) -> str:
    """``text`` with the lexicon's pinyin terms replaced by their English words.

    Args:
        text: A user's message.
        path: The lexicon holding ``pinyin_terms``.

    Returns:
        The text as read; unchanged when it has Chinese characters (the terms are then written
        in characters, and a Latin word among them is a name) or names no term.
    """
    if not text or has_ideographs(text):
        return text
    pattern, meaning = _terms(path)
    if pattern is None:
        return text
    return pattern.sub(lambda m: meaning[" ".join(m.group(0).lower().split())], text)
