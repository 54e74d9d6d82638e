"""Whether a message asks for the list of provinces ("which provinces...") rather than about one.

The cue words live in ``data/lexicon.yml`` (``list_requests``), not here; they match as
:func:`bot.core.phrases.compile_phrases` says (Latin whole words, Chinese anywhere). A message that
names a province is about that province, so callers check the message's own province first.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Mapping, Pattern, Sequence

import yaml

from bot import settings
from bot.core.phrases import compile_phrases

LEXICON_FILE = settings.LEXICON_FILE


@lru_cache(maxsize=4)
def _cues(path: Path) -> Pattern[str]:
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return compile_phrases(lexicon.get("list_requests") or {})


def asks_for_list(text: str, path: Path = LEXICON_FILE) -> bool:
    """True when ``text`` asks which provinces (regions, places) something applies to.

    Args:
        text: The user's message.
        path: The lexicon holding ``list_requests``.
    """
    if not text:
        return False
    return bool(_cues(path).search(" ".join(text.split())))


def wants_list(text: str, entities: Sequence[Mapping[str, object]] = (), path: Path = LEXICON_FILE) -> bool:
    """True when a message asks for the list and names no province of its own.

    Args:
        text: The user's message.
        entities: The message's extracted entities (``entity`` / ``value`` mappings).
        path: The lexicon holding ``list_requests``.
    """
    names_a_province = any(e.get("entity") == "province" for e in entities)
    return not names_a_province and asks_for_list(text, path)
