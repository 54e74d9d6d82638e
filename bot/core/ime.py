"""Words a pinyin input method got wrong by a character of the same sound, read as meant.

Applicants type Chinese with pinyin input methods and pick the wrong character of the right
sound: "和验单" / "核验但" for 核验单, "域名正书" for 域名证书, "受权书" for 授权书, "身分证",
"阿里运". The classifier and the splitter's lexicon know the right words only, so a message
with one of these slips reads as something else or nothing at all. A run of characters that
differs from one of the lexicon's ``ime_words`` in one character (two for words of five or more),
where each differing character has that word character's sound among its readings, is read as
the word. Only words of three characters or more: two characters of the same sounds are too
often real text across a word boundary ("一下在哪" is no "一下载哪").

The sounds come from data/ime_sounds.yml (made by :mod:`bot.devtools.ime_sounds` from pypinyin's
table, which is too large to load at run time). The text keeps its length, so entity positions
found in the corrected text are right in the original. Rasa-free: used by
:class:`bot.nlu.script.ImeSlips`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Dict, Pattern, Tuple

import yaml

from bot import settings
from bot.core.script import has_ideographs

SOUNDS_FILE = settings.DATA_DIR / "ime_sounds.yml"


def _allowed_slips(length: int) -> int:
    return 1 if length < 5 else 2


@lru_cache(maxsize=4)
def _slips(path: Path) -> Tuple[Pattern[str], Dict[str, str]]:
    """One pattern matching every slip of every word (longest words first), and the word each
    of its groups stands for."""
    table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sounds: Dict[str, str] = table.get("sounds") or {}
    alternatives, words = [], {}
    for word, word_sounds in sorted((table.get("words") or {}).items(), key=lambda item: -len(item[0])):
        for slipped in range(1, _allowed_slips(len(word)) + 1):
            for positions in combinations(range(len(word)), slipped):
                group = f"w{len(alternatives)}"
                pieces = [
                    f"[{re.escape(sounds.get(word_sounds[i], word[i]))}]" if i in positions else re.escape(word[i])
                    for i in range(len(word))
                ]
                alternatives.append(f"(?P<{group}>{''.join(pieces)})")
                words[group] = word
    return re.compile("|".join(alternatives) or r"(?!x)x"), words


def correct(text: str, path: Path = SOUNDS_FILE) -> str:
    """``text`` with each input-method slip of a lexicon word replaced by the word.

    Args:
        text: A message (Simplified Chinese, or any other text, which is returned unchanged).
        path: The sounds table (data/ime_sounds.yml).

    Returns:
        The text, of the same length.
    """
    if not text or not has_ideographs(text):
        return text
    pattern, words = _slips(path)
    return pattern.sub(lambda match: words[match.lastgroup], text)
