"""Lexicon phrases as one pattern: the matching rule every ``data/lexicon.yml`` cue list shares.

A phrase with Chinese characters matches anywhere (Chinese has no spaces between words); any
other phrase matches as whole words, case-insensitively ("which regions" is not in "which
regionsx"). Longer phrases are tried first, so "阿里云盘" wins over "阿里云".
"""
from __future__ import annotations

import re
from typing import Mapping, Pattern, Sequence

_HAN = re.compile(r"[\u4e00-\u9fff]")


def compile_phrases(phrases: Mapping[str, Sequence[str]], plurals: bool = False) -> Pattern[str]:
    """One pattern for a lexicon entry's phrases (``{en: [...], zh: [...]}``).

    Args:
        phrases: Phrases by language.
        plurals: Whether a Latin phrase also matches with a final "s" ("bank account" in
            "bank accounts").
    """
    words = sorted({str(p) for language in phrases.values() for p in language or []}, key=len, reverse=True)
    plural = "s?" if plurals else ""
    alternatives = [
        re.escape(w) if _HAN.search(w) else rf"(?<![a-z0-9]){re.escape(w.lower())}{plural}(?![a-z0-9])"
        for w in words
    ]
    return re.compile("|".join(alternatives) if alternatives else r"(?!x)x", re.IGNORECASE)
