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

Filings next to ICP Filing (the public-security filing, the ICP licence: ``elsewhere.neighbours``)
are ICP's world but not the FAQ's: "ICP备案下来了，公安备案要传什么材料" asks what the PSB filing
needs, and the ICP documents list would be a confident, wrong answer. A question that names one
after every word naming ICP Filing itself (``elsewhere.icp_words``) is about it
(:func:`neighbouring_filing`); the gate turns its FAQ answer into the near-topic reply.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional, Pattern

import yaml

from bot import settings
from bot.core.phrases import compile_phrases
from bot.core.questions import last_object

LEXICON_FILE = settings.LEXICON_FILE


@lru_cache(maxsize=4)
def _patterns(path: Path) -> tuple[Pattern[str], Pattern[str], Pattern[str], Pattern[str], Pattern[str]]:
    """Procedures, filing words, neighbouring filings, ICP Filing's own words and the words of
    its world (``elsewhere``)."""
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entry = lexicon.get("elsewhere") or {}
    return (
        compile_phrases(entry.get("procedures") or {}, plurals=True),
        compile_phrases(entry.get("filing_words") or {}, plurals=True),
        compile_phrases(entry.get("neighbours") or {}),
        compile_phrases(entry.get("icp_words") or {}),
        compile_phrases(entry.get("icp_world") or {}),
    )


def neighbouring_filing(text: str, path: Path = LEXICON_FILE) -> Optional[str]:
    """The filing next to ICP Filing a question is about, or None.

    Args:
        text: One question (a compound message's questions are judged one by one: "公安备案要传
            什么材料？ICP这边核验单又该怎么签" asks one of each).
        path: The lexicon holding ``elsewhere``.

    Returns:
        The last neighbouring filing named, as written, when no word naming ICP Filing itself
        comes after it; else None.
    """
    if not text:
        return None
    _, _, neighbours, icp_words, _ = _patterns(path)
    named = list(neighbours.finditer(text))
    if not named:
        return None
    last = named[-1]
    # ICP words inside a neighbour's name ("gongan beian") do not count.
    rest = neighbours.sub(lambda m: " " * len(m.group(0)), text)
    if any(m.start() > last.start() for m in icp_words.finditer(rest)):
        return None
    return last.group(0)


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
    procedures, filing_words, _, _, _ = _patterns(path)
    found = procedures.search(text)
    if found is None:
        return None
    rest = procedures.sub(" ", text)
    return None if filing_words.search(rest) else found.group(0)


def in_icp_world(text: str, of_a_filing_message: bool = False, path: Path = LEXICON_FILE) -> bool:
    """Whether a question the classifier put out of scope is about ICP Filing all the same.

    Such a question is one the FAQ does not answer ("域名实名认证一直审核失败，怎么办"), and the
    honest reply is the near-topic one (where to look, a human agent), not "I only help with ICP
    Filing". It is when it names a word of ICP Filing's world (``elsewhere.icp_world``), ICP Filing
    itself (``icp_words``) or a neighbouring filing, and, as a question of a message that asks
    about the filing, when it names a thing the filing uploads (``topic_objects``: "外国人拿护照能当
    网站负责人吗？护照要拍哪几页" asks about the passport of the filing). A message about another
    procedure is out of scope whatever it names (:func:`other_procedure`, checked first).

    Args:
        text: The question (a whole message, or one question of a compound message).
        of_a_filing_message: Whether the question is one of several of a message whose other
            questions set it in the filing.
        path: The lexicon holding ``elsewhere``.

    Returns:
        True when the question belongs to ICP Filing's world.
    """
    if not text:
        return False
    _, _, neighbours, icp_words, world = _patterns(path)
    if world.search(text) or icp_words.search(text) or neighbours.search(text):
        return True
    if not of_a_filing_message:
        return False
    return last_object(text)[0]
