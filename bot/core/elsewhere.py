"""Whether a message is about another procedure than ICP Filing (a bank, 12306, a shop, an exam).

FAQ wording is everywhere: "上传身份证照片，格式和大小有要求吗" is an ICP question on the filing
system and an unrelated one in the social-security app. The classifier adds up evidence, so the
FAQ words win over the one word that names the other place, and the user gets a confident,
wrong FAQ answer. A message that names another procedure or platform (lexicon
``elsewhere.procedures``) and nothing of ICP Filing's world (``elsewhere.filing_words``) is
about that other place; :class:`bot.nlu.elsewhere.ElsewhereGate` declines the FAQ answers it
would get.

Procedures are matched first and their text is then left out, so a procedure whose name
contains a filing word stays a procedure ("阿里云盘" is a cloud drive, not Alibaba Cloud).
Phrases match as :func:`bot.core.phrases.compile_phrases` says, a final "s" allowed.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional, Pattern

import yaml

from bot import settings
from bot.core.phrases import compile_phrases

LEXICON_FILE = settings.DATA_DIR / "lexicon.yml"


@lru_cache(maxsize=4)
def _patterns(path: Path) -> tuple[Pattern[str], Pattern[str]]:
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entry = lexicon.get("elsewhere") or {}
    return (
        compile_phrases(entry.get("procedures") or {}, plurals=True),
        compile_phrases(entry.get("filing_words") or {}, plurals=True),
    )


def other_procedure(text: str, path: Path = LEXICON_FILE) -> Optional[str]:
    """The other procedure a message is about, or None when it may be about ICP Filing.

    Args:
        text: The whole message (Simplified Chinese; the pipeline converts Traditional first).
        path: The lexicon holding ``elsewhere``.

    Returns:
        The first procedure named, as written, when the message names one and no filing word
        outside it; else None.
    """
    if not text:
        return None
    procedures, filing_words = _patterns(path)
    found = procedures.search(text)
    if found is None:
        return None
    rest = procedures.sub(" ", text)
    return None if filing_words.search(rest) else found.group(0)
