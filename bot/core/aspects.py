"""Whether a question asks something the FAQ does not say about the thing it names.

"授权书上要不要盖章" names the authorization letter, and the classifier answers with the letter's
FAQ section (put it in the same image as the owner's ID), which says nothing about a stamp:
a confident, wrong answer. The FAQ answers some aspects for some things only: the form's seal,
the documents' validity periods, the form's template. ``aspects`` of ``data/lexicon.yml`` lists
the aspects and, for each, the answers whose facts speak to it; a question about an aspect that
its answer does not cover is near-topic (:class:`bot.nlu.elsewhere.ElsewhereGate` declines it).

Only the clauses that ask count (:func:`bot.core.questions.asking_clauses`): "授权书盖好章了，
传在哪一栏？" asks where to upload the letter, and its stamp is a statement.

The thing a question names decides as well as the answer the classifier chose: "授权书上除了法人
签字，还必须盖公章吗？" reads as the form's signing rules (签字, 公章), which do speak of seals, but it
asks about the letter. The things of ``topic_objects`` with an ``answer`` (the form, the letter,
the certificate, the backdrop; :func:`bot.core.questions.answers_of_things`) stand for that
answer; a question naming some of them asks about an aspect only they could cover.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Optional, Pattern, Tuple

import yaml

from bot import settings
from bot.core.phrases import compile_phrases
from bot.core.questions import answers_of_things, asking_clauses, names_a_subject, question_view

LEXICON_FILE = settings.LEXICON_FILE


@lru_cache(maxsize=4)
def _aspects(path: Path) -> Tuple[Tuple[Pattern[str], FrozenSet[str], Pattern[str], bool, bool], ...]:
    """Each aspect's words, the answers that cover it, the words that make it not count,
    whether it counts in the statements around the question too (``anywhere``) and whether
    it does in a long message's background as well (``background``, by default)."""
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        (
            compile_phrases({language: entry.get(language) or [] for language in ("en", "zh")}),
            frozenset(entry.get("answered_by") or ()),
            compile_phrases({"any": entry.get("unless") or []}),
            bool(entry.get("anywhere")),
            bool(entry.get("background", True)),
        )
        for entry in (lexicon.get("aspects") or {}).values()
    )


def uncovered_aspect(
    question: str, answer: str, path: Path = LEXICON_FILE, before: str = "", a_question: bool = False
) -> Optional[str]:
    """The aspect a question asks about that ``answer`` does not cover, or None.

    Args:
        question: One question (with any statements around it: only its asking clauses count).
        answer: The FAQ answer the classifier chose for it.
        path: The lexicon holding ``aspects``.
        before: The question asked right before it in the same message, if any: a question that
            names none of the FAQ's things is about the thing that one named ("证书去哪打印？
            打出来还要盖公章吗" asks about stamping the certificate).
        a_question: Whether ``question`` is known to ask (one question of a compound message):
            when none of its clauses has a cue of its own ("the fingerprint use red ink pad or
            any color", asked after a question), the whole of it asks.

    Returns:
        The words naming the first such aspect, as written ("盖章"); None when the question
        names none, or only aspects covered by the answer and by the things it names, or
        names them only next to one of the aspect's ``unless`` words.
    """
    clauses = asking_clauses(question) or ([question] if a_question else [])
    asked = " ".join(clauses)
    if not asked:
        return None
    # The things the asking clauses name, else those of the whole question ("授权书上除了签字，
    # 还必须盖公章吗？" names the letter before the clause that asks).
    named = answers_of_things(asked) or answers_of_things(question)
    if not named and before and not names_a_subject(question):
        named = answers_of_things(before)
    for words, answered_by, unless, anywhere, background in _aspects(path):
        if answer in answered_by and (not named or named & answered_by):
            continue
        # "腾讯云买的域名，证书在哪打印？" asks about that registrar's certificate; a long
        # message's background is its setting (only read when an aspect asks).
        whole = anywhere and (background or question_view(question) is None)
        for clause in [question] if whole else clauses:
            # "拿复印件盖个章传上去可以吗" asks whether a copy will do, which the FAQ answers.
            found = words.search(clause)
            if found is not None and not unless.search(clause):
                return found.group(0)
    return None
