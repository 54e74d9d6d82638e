"""Traditional Chinese characters read as Simplified ones, so one model serves both scripts.

Applicants from Hong Kong, Macao and Taiwan often write in Traditional characters ("我是台灣人，
要按指紋嗎？"). The training data, the lexicon and the rules are Simplified, so a message is
converted before it is split, tokenised or searched for details. The conversion is OpenCC's
Traditional -> Simplified table (``opencc-python-reimplemented``, pure Python, loaded in a few
milliseconds), not a hand-written one.

The conversion keeps the text's length, character for character, so entity positions found in
the converted text are right in the original: where OpenCC's phrase table would change the
length, the message is converted one character at a time instead.

Rasa-free: used by the NLU component :class:`bot.nlu.script.SimplifiedChinese`.
"""
from __future__ import annotations

import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_ideographs(text: str) -> bool:
    """Whether ``text`` has Chinese characters (Simplified or Traditional): the test the
    script rewrites (this module, :mod:`bot.core.ime`, :mod:`bot.core.jargon`) share."""
    return bool(_CJK.search(text))


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
