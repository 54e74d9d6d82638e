"""Whether a message asks for the list of provinces ("which provinces...") rather than about one.

The cue words live in ``data/lexicon.yml`` (``list_requests``), not here: Latin phrases match as
whole words, case-insensitively; Chinese phrases match anywhere in the text. A message that
names a province is about that province, so callers check the message's own province first.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Pattern, Sequence, Tuple

import yaml

from bot import settings

LEXICON_FILE = settings.DATA_DIR / "lexicon.yml"
_LATIN = re.compile(r"[A-Za-z]")


def compile_cues(cues: Mapping[str, Sequence[str]]) -> Tuple[Pattern[str], Tuple[str, ...]]:
    """One regular expression for the Latin cues (whole words) and the Chinese cues as they are."""
    phrases = [str(p) for language in cues.values() for p in language or []]
    latin = sorted((p.lower() for p in phrases if _LATIN.search(p)), key=len, reverse=True)
    chinese = tuple(p for p in phrases if not _LATIN.search(p))
    # Whole words: no letter or digit right before or after the phrase.
    pattern = r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in latin) + r")(?![a-z0-9])"
    return re.compile(pattern if latin else r"(?!x)x"), chinese


@lru_cache(maxsize=4)
def _cues(path: Path) -> Tuple[Pattern[str], Tuple[str, ...]]:
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return compile_cues(lexicon.get("list_requests") or {})


def asks_for_list(text: str, path: Path = LEXICON_FILE) -> bool:
    """True when ``text`` asks which provinces (regions, places) something applies to.

    Args:
        text: The user's message.
        path: The lexicon holding ``list_requests``.
    """
    if not text:
        return False
    latin, chinese = _cues(path)
    squashed = " ".join(text.lower().split())
    return bool(latin.search(squashed)) or any(cue in text for cue in chinese)


def wants_list(text: str, entities: Sequence[Mapping[str, object]] = (), path: Path = LEXICON_FILE) -> bool:
    """True when a message asks for the list and names no province of its own.

    Args:
        text: The user's message.
        entities: The message's extracted entities (``entity`` / ``value`` mappings).
        path: The lexicon holding ``list_requests``.
    """
    names_a_province = any(e.get("entity") == "province" for e in entities)
    return not names_a_province and asks_for_list(text, path)
