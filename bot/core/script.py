"""Traditional Chinese characters read as Simplified ones, so one model serves both scripts.

Applicants from Hong Kong, Macao and Taiwan often write in Traditional characters ("我是台灣人，
要按指紋嗎？"). The training data, the lexicon and the rules are Simplified, so a message is
converted before it is split, tokenised or searched for details. The conversion is OpenCC's
Traditional -> Simplified table (``opencc-python-reimplemented``, pure Python, loaded in a few
milliseconds), not a hand-written one.

The conversion keeps the text's length, character for character, so entity positions found in
the converted text are right in the original: where OpenCC's phrase table would change the
length, the message is converted one character at a time instead.

Cantonese written by Hong Kong and Macao applicants ("要上载乜嘢证件？") is read as Mandarin the
same way, with the lexicon's ``cantonese`` words (:func:`read_cantonese`): no package converts
Cantonese words, and a table of its function words is data, like the IME sounds.

Rasa-free: used by the NLU component :class:`bot.nlu.script.SimplifiedChinese`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Pattern, Tuple

import yaml

from bot import settings

# CJK Unified Ideographs with extension A, compatibility ideographs and the supplementary planes.
CJK_CHAR_PATTERN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_IDEOGRAPH = re.compile(CJK_CHAR_PATTERN)
# Mixed messages such as "APP上传" or "ICP备案要什么材料" are Chinese questions with an English
# acronym; one stray ideograph in an English sentence is not.
_MIN_IDEOGRAPHS = 2
_MIN_IDEOGRAPH_SHARE = 0.25


def has_ideographs(text: str) -> bool:
    """Whether ``text`` has Chinese characters (Simplified or Traditional): the test the
    script rewrites (this module, :mod:`bot.core.ime`, :mod:`bot.core.jargon`) share."""
    return bool(_IDEOGRAPH.search(text))


def detect_language(text: str) -> Optional[str]:
    """Guesses the language of a message from the letters it contains.

    Args:
        text: The message text.

    Returns:
        "zh" when ideographs make up a substantial part of the letters, "en" when there are
        other letters, and None when there are no letters at all (emoji, numbers, "/intent"
        payloads), so the caller can keep the language it had.
    """
    if text.lstrip().startswith("/"):
        return None
    ideographs = len(_IDEOGRAPH.findall(text))
    other_letters = sum(1 for char in text if char.isalpha()) - ideographs
    if ideographs and not other_letters:
        return "zh"
    if (
        ideographs >= _MIN_IDEOGRAPHS
        and ideographs / (ideographs + other_letters) >= _MIN_IDEOGRAPH_SHARE
    ):
        return "zh"
    if other_letters:
        return "en"
    return None


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with its Traditional characters replaced by Simplified ones, same length.

    Args:
        text: Any message; text without ideographs is returned unchanged.

    Returns:
        The converted text, exactly as long as ``text``.
    """
    if not text or not has_ideographs(text):
        return text
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(
        single if len(single := _converter().convert(char)) == 1 else char for char in text
    )


@lru_cache(maxsize=2)
def _cantonese(path: Path) -> Tuple[Pattern[str], Pattern[str], Callable[[re.Match], str]]:
    """The markers, and one pattern (words longest first, then the patterns) with its reading."""
    entry = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cantonese") or {}
    markers = re.compile("|".join(map(re.escape, sorted(entry.get("markers") or [], key=len, reverse=True))))
    words = {str(k): str(v) for k, v in (entry.get("words") or {}).items()}
    patterns = [(str(p), str(r)) for p, r in entry.get("patterns") or []]
    alternatives = [f"(?P<w>{'|'.join(map(re.escape, sorted(words, key=len, reverse=True)))})"]
    alternatives += [f"(?P<p{i}>{p})" for i, (p, _) in enumerate(patterns)]

    def reading(match: re.Match) -> str:
        if match.group("w") is not None:
            return words[match.group("w")]
        return next(r for i, (_, r) in enumerate(patterns) if match.group(f"p{i}") is not None)

    return markers, re.compile("|".join(alternatives)), reading


def read_cantonese(text: str, path: Path = settings.LEXICON_FILE) -> str:
    """``text`` with its Cantonese words read as Mandarin (lexicon ``cantonese``), same length.

    Args:
        text: A message in Simplified characters (after :func:`to_simplified`).
        path: The lexicon holding ``cantonese``.

    Returns:
        The text as read; unchanged unless it has a Cantonese marker, a character or word that
        Mandarin does not use.
    """
    if not text or not has_ideographs(text):
        return text
    markers, words, reading = _cantonese(path)
    if not markers.pattern or not markers.search(text):
        return text
    return words.sub(reading, text)


def read_as_mandarin(text: str) -> str:
    """Traditional characters as Simplified ones, then Cantonese words as Mandarin ones."""
    return read_cantonese(to_simplified(text))
