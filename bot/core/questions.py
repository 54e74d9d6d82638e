"""Cuts a user's message into the questions it asks, each with the context it needs.

Real users often ask several things at once ("My order got rejected. Do I have to use the app
again, and how big can the images be?", "我是台湾人，在福建做个人备案，要按指纹吗？用什么证件？").
The classifier was trained on one question per example, so each question is classified on its
own (:mod:`bot.nlu.compound`) and answered in order (``actions/compound.py``).

How a message is cut, and why:

1. **Clauses**: at sentence ends (``? ！ 。 ； ;``, a full stop before a space, new lines, a
   space between Chinese sentences, " + " / " / " between clauses), at
   enumerations ("1.", "2)", "①"), at joiners that start a new question ("and"/"also"/
   "plus"/"btw"; "还有"/"另外"/"以及"/"顺便"/"再问") and at commas. Decimal points and
   version numbers ("3.16.0", "4.5 MB") are no sentence ends.
2. **Questions and statements**: a clause is a question when it has a question cue: a
   question word or auxiliary at its start ("how", "can", "is", "do"...), a question word
   anywhere ("not sure what files..."), a request ("tell me", "please list"), a trailing "?"
   with a cue-less fragment only when it stands alone as a sentence; in Chinese a question
   particle or word (吗, 呢, 什么, 怎么, 哪, 能否, 是否, 要不要...) or "请问", or a short
   help-centre title ending in what one looks up ("核验单下载地址", "APP上传操作流程"). Anything else
   ("I'm from Hong Kong", "my order got rejected", "我是台湾人", "hi") is a statement, and so is
   every clause of a sentence ending in a full stop when the message marks its questions with
   "?" ("It asks for an ID card, which I don't have.").
3. **Grouping**: a clause that continues a question (a comma clause, an "or ..." alternative,
   a fragment of one or two words) stays with it, so one question is never cut in two. A new
   question starts at a sentence, enumeration item or joiner with a cue of its own (an
   enumeration item, or a sentence ending in "?", needs none), at a Chinese comma only right
   after a clause that ends like a question (吗/呢/？), and at an English comma only for a
   direct wh-question after a direct question ("what documents do I need, what's the size
   limit"): English
   writers put clauses of one question between commas ("I'm not sure what files it expects,
   can you list them"), Chinese writers chain questions with them ("要按指纹吗，用什么证件").
4. **Context**: a question that names none of the things the FAQ is about (``topic_objects``
   of ``data/lexicon.yml``: the app, the form, the statement, the certificate...) is about the
   thing the question right before it named ("核验单在哪下载？又该怎么签？"): that thing is
   added to it. The first question keeps every statement before it. The details those
   statements name (a province, applicant type or residency word of ``data/provinces.yml`` /
   ``data/lexicon.yml``) are prefixed to *every later* question too, because they apply to each
   ("我是台湾人" decides which ID "用什么证件" means); only the detail words, not the
   statements: "Our owner has a British passport" or "3 domains" would pull the next question's
   classification towards the first one's topic, as any other leading statement ("my order got
   rejected") would. A question that names nothing of its own but the app ("能不能手机app上传")
   also gets the province and applicant type named with the questions before it ("域名证书在哪
   打印，我是河南的个人"), and no residency: that decided an ID answer such a question does not ask.
   Statements between or after questions go with the nearest question before them. Each detail
   is named by the usual word of its kind ("泰国籍" as 外籍), the one the classifier knows.

The Chinese rules (a space between sentences, commas chaining questions, 吗 ending a direct
question) apply to Chinese writing only: English that names Chinese terms ("can the app upload
the 域名证书? what about the 授权书?") is cut by the English ones.

The words these steps use (question words, fillers, auxiliaries, joiners...) are data:
``question_words`` of ``data/lexicon.yml``, read on first use; the patterns that combine them
(sentence ends, enumerations, Chinese question cues) stay here.

A message without any question is one part: the whole text (a details-only answer, a
description of a problem, small talk). The number of parts is not capped here; the answer
caps it (:data:`MAX_ANSWERED`).

Rasa-free, used by the NLU component, the agent-assist suggester and the evaluation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Set, Tuple

import yaml

from bot import settings
from bot.core.script import has_ideographs

LEXICON_FILE = settings.LEXICON_FILE
PROVINCES_FILE = settings.DATA_DIR / "provinces.yml"

#: How many questions of one message are answered; the reply says when there were more.
MAX_ANSWERED = 3
#: The intent of a message that asks several different things. Set by the NLU
#: (``bot.nlu.compound``), never by the classifier, so it has no training examples.
COMPOUND_INTENT = "compound_question"

# Sentence ends. A full stop only counts before whitespace/end and not between digits.
# Characters that end a sentence wherever they stand (a full stop or colon only before a space).
_SENTENCE_END_CHARS = "?？!！。；;\n："
_SENTENCE_END = re.compile(
    rf"(?<=[{_SENTENCE_END_CHARS}])|(?<=[^\d\s]\.)(?=\s)|(?<=\.\.\.)|(?<=[^\d\s]:)(?=\s)"
)
# Enumerations at a line start or after whitespace: "1." "2)" "(3)" "（4）" "①" "a)".
_ENUMERATION = re.compile(
    r"(?:(?<=\s)|^)(?:[(（]?\d{1,2}[.)）、．]|[(（]?[a-c][)）]|[①②③④⑤⑥⑦⑧⑨⑩]|[一二三四五][、.]|[Qq]\d(?:[.:：)]|\s*[-\u2013\u2014](?=\s))?"
    # "第一个问题，…？第二个，…": ordinals number Chinese items
    r"|第[一二三四五六七八九十1-9](?:个问题|个|点|条|问)[，,：:、]?)(?=\s*\S)"
    # Chinese writers run a bracketed number on without a space: "…在哪下载（2）要盖章吗".
    r"|(?<=[\u3400-\u9fff？?！!。，,；;])[（(][1-9][）)](?=\s*\S)"
)
# Bare numbers that enumerate ("1 what docs 2 size limit"): only a run 1, 2, 3... counts, so
# "6 MB" or "2 domains" never does.
_BARE_NUMBER = re.compile(r"(?:(?<=\s)|^)([1-9])(?=\s+[A-Za-z\u3400-\u9fff])")
# " + ", " / ", " & " between two clauses: chat shorthand for "and" between questions.
_SYMBOL_BREAK = re.compile(r"(?<=\S)[ \t]+[+/&|][ \t]+(?=\S)")
# Chinese writers separate sentences with a space where English uses a full stop ("材料要哪些
# 图片格式有要求吗", "材料要哪些 APP能传吗"); Chinese words are never separated by spaces, but a
# Latin word set off by spaces is part of its sentence ("能不能用阿里云 App 直接上传").
_ZH_SPACE_BREAK = re.compile(
    r"(?<=[\u3400-\u9fff？！。])(?=[ \t\u3000]+(?:[\u3400-\u9fff]|[A-Za-z][A-Za-z0-9]*[\u3400-\u9fff]))"
)
_EN_WORD = re.compile(r"[A-Za-z']+")
# A title ("核验单下载地址") is short; a longer clause ending the same way tells more than it asks.
TITLE_MAX_IDEOGRAPHS = 16
# "两个问题：", "我有几个问题请教：": the message's layout, not part of its first question (the
# English count headings are built from the lexicon: ``_Words.count_heading``).
_ZH_COUNT_HEADING = re.compile(
    r"^\s*(?:我|想|请教)?\s*(?:有|问)?[\d一二两三四五六七八九十几]+\s*个\s*(?:小)?问题(?:请教|想问|咨询)?\s*[:：]?\s*$"
)


def _alternatives(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def _spaced_alternatives(words) -> str:
    """:func:`_alternatives` whose spaces match any run of spaces ("by  the way")."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Words:
    """The splitter's words (``question_words`` of data/lexicon.yml) and the patterns built
    from them."""

    question_start: frozenset
    wh_start: frozenset
    anywhere: frozenset
    leading_filler: frozenset
    auxiliaries: frozenset
    subjects: frozenset
    verbs: frozenset
    back_references: frozenset
    objectless_verbs: frozenset
    not_before_run_on: frozenset
    persons: frozenset
    people: frozenset
    greetings: frozenset
    tag_choices: frozenset
    subordinate: frozenset
    relative: frozenset
    place_prepositions: frozenset
    requests: frozenset
    please: frozenset
    advice: frozenset
    count_words: frozenset
    count_nouns: frozenset
    same_again: frozenset
    object_follow_up: frozenset
    list_it_fillers: frozenset
    list_it: frozenset
    zh_joiners: Tuple[str, ...]
    zh_next_step: Tuple[str, ...]
    zh_modals: Tuple[str, ...]
    # Chat openers of another matter that are no joiners inside a sentence ("然后我有两个域名").
    zh_new_matter: Tuple[str, ...]
    zh_preamble: re.Pattern
    zh_indirect: re.Pattern
    # An upload that fails, reported as a statement (lexicon ``trouble``): see :func:`_grouped`.
    trouble: re.Pattern
    # A request for a person (lexicon ``agent_request``): see :func:`_grouped`.
    agent_request: re.Pattern
    # An English joiner (lexicon ``joiners``) between Chinese sentences ("…吗 plus 审核要几天",
    # "…？and also 核验单…"), read as 另外 (:func:`_chinese_joiners`), and joiners leading a
    # question, which belong to the message, not the question (:func:`_with_context`).
    latin_joiner_in_chinese: re.Pattern
    leading_joiner: re.Pattern
    # Cut before a joiner that opens a question of its own ("..., and can I use the app", "also
    # how big...", "and in which format...", "and if it is, what can it upload"), keeping the
    # spaces; not inside one ("do I also need a fingerprint"); an auxiliary only before its
    # subject ("and do foreigners use...", not "and will be the owner"). "and also" is one
    # joiner, not two.
    en_joiners: re.Pattern
    # Questions starting in the middle of an unpunctuated run: "how big can", "where do i" (a
    # question word, at most one word that is not a subject, then the auxiliary: "the region
    # where we can attach..." is a relative clause), or an auxiliary before its subject.
    en_run_on: re.Pattern
    # Requests that ask without a question word ("i need to know the size limit", "any tips?").
    en_request: re.Pattern
    # "4 q's:", "three things:", "quick ones:" (English; Chinese: ``_ZH_COUNT_HEADING``).
    count_heading: re.Pattern
    # A clause that only asks for the answer before it as a list ("帮我列个表", "give me the
    # full list"): it belongs to that question.
    list_it_only: re.Pattern
    # "Same for Macao?", "新疆也一样吗" once their details are left out (:func:`asks_the_same_again`).
    en_same_again: re.Pattern
    zh_same_again: re.Pattern
    zh_bare_ne: re.Pattern
    zh_is_it_ok: re.Pattern
    # A yes-or-no clause (lexicon ``yes_no``, or ending in 吗 / "能…不") and one offering another
    # way of doing what was asked (``switch``): see :func:`_continues_yes_no`.
    zh_yes_no: re.Pattern
    # A yes-or-no question anywhere in a clause ("核验单是不是只能黑笔签").
    zh_asks_yes_no: re.Pattern
    # A clause that compares ("…跟国内人一样吗"): 跟 / 和 there is "as", not "and".
    zh_compared: re.Pattern
    zh_switch: re.Pattern
    # Turning to another way of uploading (lexicon ``switch_lead``, ``ways``): see :func:`_grouped`.
    zh_other_way: re.Pattern
    zh_document_forms: Tuple[str, ...]  # lexicon ``document_forms``: see :func:`_starts_new_question`
    also: frozenset
    # A condition ("要是…的话，", "if we host it in Hong Kong,"): see :func:`asking_clauses`.
    conditional: frozenset
    condition: re.Pattern
    # "…? Or…" / "…吗？还是…" at the start of a clause offers another answer to the same question;
    # anywhere, a choice (:func:`offers_choice`). No \b after the Chinese words: between two
    # Chinese characters there is no word boundary ("还是得回电脑上传").
    alternatives: frozenset
    alternative_start: re.Pattern
    choice: re.Pattern
    # Yes-or-no asking without a question word (:func:`is_question`; lexicon ``ba_modals``,
    # ``is_it_true``, ``a_not_a_verbs``).
    zh_yes_with_ba: re.Pattern
    zh_is_it_true: re.Pattern
    zh_a_not_a: re.Pattern
    # "Also, ..." / "另外…" at the start of a question (lexicon ``also``).
    also_start: re.Pattern
    # "If yes, …" / "可以的话…" at the start of a question (lexicon ``if_answered``).
    if_answered: re.Pattern
    # A forum post's title and description markers (lexicon ``post_title``, ``post_description``).
    post_title: re.Pattern
    post_description: re.Pattern
    # A clause ending as a yes-or-no question without an auxiliary in front, as Chinese writers
    # of English put it ("scan or phone photo is ok", "need stamp or not"; lexicon ``tag_ends``).
    en_tag_end: re.Pattern
    # "Please ask," / "I want to ask:" before the question (lexicon ``preamble``).
    en_preamble: re.Pattern
    # "A or B" between two words, and the pronouns of a statement about people (lexicon
    # ``persons``, ``alternatives``): see :func:`_clauses`.
    en_choice: re.Pattern
    en_person: re.Pattern
    # 还有 meaning "what else" or "still has" (lexicon ``what_else``), not "also".
    zh_still_has: re.Pattern
    # "先说下情况：", "Some context:" (lexicon ``context_prefaces``): see :func:`announces_context`.
    context_prefaces: frozenset
    little_words: frozenset  # with the auxiliaries, subjects...: English writing (:func:`_chinese`)
    context_preface: re.Pattern
    en_function: re.Pattern
    zh_either_or: re.Pattern
    zh_title_nouns: Tuple[str, ...]
    zh_title_not: re.Pattern


# A clause ending as a yes-or-no question: 吗 / 么, or "能…不" ("山东能用这个功能不").
# (要 of 要求 is the noun "requirement": "衣服有要求没" asks about clothes, not whether one must.)
_ZH_YES_NO_END = r"(?:[吗么]|(?:[能可行会]|要(?!求))[^，,。]{0,8}[不没]有?)[\s？?]*$"


@lru_cache(maxsize=2)
def _words(lexicon: Path = LEXICON_FILE) -> _Words:
    """Reads the splitter's words once, on first use (not at import)."""
    data = (yaml.safe_load(lexicon.read_text(encoding="utf-8")) or {})["question_words"]
    en = {key: frozenset(str(w).lower() for w in words) for key, words in data["en"].items()}
    zh = data["zh"]
    en_trouble, en_joiners, en_agent = en.pop("trouble"), en.pop("joiners"), en.pop("agent_request")
    en_if_answered, en_tag_ends, en_preamble = en.pop("if_answered"), en.pop("tag_ends"), en.pop("preamble")
    # Words that may open a clause before what it says ("and", "plus", "btw"...).
    fillers = r"(?:(?:" + _alternatives(en["leading_filler"]) + r")\b[\s,]*)*"
    latin_joiners = _spaced_alternatives(en_joiners | {"and also"})
    joiners = re.compile(
        r"(?<=\s)(?<!\band\s)(?=(?:" + _alternatives(en_joiners) + r")[\s,]+"
        r"(?:(?:also|separately|secondly|then|lastly|finally)[\s,]+)?"
        r"(?:(?:(?:in|on|for|at|from|with|to|by|of|under)\s+)?"
        r"(?:(?:" + _alternatives(en["wh_start"] | {"pls", "please", "tell", "explain", "if", "whether", "after", "once", "before"}) + r")\b"
        r"|any\s+(?:" + _alternatives(en["advice"]) + r")\b"
        r"|(?:" + _alternatives(en["auxiliaries"]) + r")\s+(?!(?:" + _alternatives(en["verbs"]) + r")\b)[a-z])"
        # "and in Jiangxi does a personal filer...": a short place or time before the question
        r"|(?:" + _alternatives(en["place_prepositions"]) + r")\s+(?:[\w'-]+\s+){1,2}(?:" + _alternatives(en["auxiliaries"])
        + r")\s+(?:" + _alternatives(en["subjects"]) + r")\b))",
        re.IGNORECASE,
    )
    run_on = re.compile(
        r"(?<=\s)(?=(?:(?:" + _alternatives(en["wh_start"]) + r")\s+(?:(?!(?:" + _alternatives(en["subjects"])
        + r")\b)[a-z']+\s+)?(?:" + _alternatives(en["auxiliaries"]) + r")\b"
        r"|(?:" + _alternatives(en["auxiliaries"]) + r")\s+(?:" + _alternatives(en["subjects"]) + r")\b))",
        re.IGNORECASE,
    )
    return _Words(
        **en,
        zh_joiners=tuple(zh["joiners"]),
        zh_next_step=tuple(zh["next_step"]),
        zh_modals=tuple(zh["modals"]),
        zh_new_matter=tuple(zh["new_matter"]),
        zh_preamble=re.compile(_alternatives(zh["preamble"])),
        zh_indirect=re.compile(_alternatives(zh["indirect"])),
        latin_joiner_in_chinese=re.compile(
            r"(?<=[\u3400-\u9fff？?。！!，,；;])\s*\b(?:" + latin_joiners + r")\b[\s,，]*(?=[\u3400-\u9fff])",
            re.IGNORECASE,
        ),
        leading_joiner=re.compile(r"^(?:(?:" + latin_joiners + r")\b[\s,]*)+", re.IGNORECASE),
        trouble=re.compile(
            r"(?<![a-z])(?:" + _alternatives(en_trouble) + r")(?![a-z])|" + _alternatives(zh["trouble"]), re.IGNORECASE
        ),
        agent_request=re.compile(
            r"(?<![a-z])(?:" + _alternatives(en_agent) + r")(?![a-z])|" + _alternatives(zh["agent_request"]), re.IGNORECASE
        ),
        alternative_start=re.compile(
            r"^\s*(?:(?:" + _alternatives(en["alternatives"]) + r")\b|" + _alternatives(zh["alternatives"]) + r")",
            re.IGNORECASE,
        ),
        choice=re.compile(
            r"(?<![a-z])(?:" + _alternatives(en["alternatives"]) + r")(?![a-z])|" + _alternatives(zh["alternatives"]),
            re.IGNORECASE,
        ),
        zh_yes_with_ba=re.compile(
            r"(?:[行以对是]了?|的)吧\s*[？?]?\s*$|(?:" + _alternatives(zh["ba_modals"]) + r")[^，。,！!]{0,12}吧\s*[？?]?\s*$"
        ),
        zh_is_it_true=re.compile(_alternatives(zh["is_it_true"])),
        zh_a_not_a=re.compile(r"(?:" + _alternatives(zh["a_not_a_verbs"]) + r")[^，。？?,]{0,20}[不没]有?\s*[？?]?\s*$"),
        condition=re.compile(
            r"^\W*(?:(?:" + _alternatives(en["conditional"]) + r")\b|(?:" + _alternatives(zh["conditional"])
            + r"))|(?:" + _alternatives(zh["conditional_end"]) + r")[\s，,]*$",
            re.IGNORECASE,
        ),
        en_joiners=joiners,
        en_run_on=run_on,
        en_request=re.compile(
            r"\bi(?:\s+really)?\s+(?:need|want|would like|'d like|wanna)\s+to\s+know\b|\bi\s+wonder\b"
            r"|^\W*" + fillers + r"any\s+(?:" + _alternatives(en["advice"]) + r")\b",
            re.IGNORECASE,
        ),
        count_heading=re.compile(
            r"^\s*(?:(?:\d+|" + _alternatives(en["count_words"]) + r")\s+)*(?:"
            + _alternatives(en["count_nouns"]) + r")\s*[:：]?\s*$",
            re.IGNORECASE,
        ),
        zh_is_it_ok=re.compile(r"(?:" + _alternatives(zh["is_it_ok"]) + r")[\s？?。！!]*$"),
        zh_yes_no=re.compile(
            r"^\s*(?:" + _alternatives(zh["yes_no_lead"]) + r")?(?:" + _alternatives(zh["yes_no"]) + r")|" + _ZH_YES_NO_END
        ),
        zh_asks_yes_no=re.compile(r"(?:" + _alternatives(zh["yes_no"]) + r")|" + _ZH_YES_NO_END),
        zh_compared=re.compile(r"(?:" + _alternatives(zh["compared"]) + r")\W*[吗么呢嘛]?\W*$"),
        zh_document_forms=tuple(zh["document_forms"]),
        zh_other_way=re.compile(
            r"(?:" + _alternatives(zh["switch"] + zh["switch_lead"]) + r")[^，,。？?；;]{0,6}?(?:"
            + _alternatives(zh["ways"]) + r")"
        ),
        zh_switch=re.compile(
            r"^\s*(?:" + _alternatives(zh["yes_no_lead"]) + r")?(?:" + _alternatives(zh["yes_no"])
            + r"|可否|可以|能)?(?:" + _alternatives(zh["switch"]) + r")"
        ),
        en_same_again=re.compile(r"(?<![a-z])(?:" + _alternatives(en["same_again"]) + r")(?![a-z])", re.IGNORECASE),
        zh_same_again=re.compile(r"(?:" + _alternatives(zh["same_again"]) + r")[\s？?。！!吧啊呀]*$"),
        zh_bare_ne=re.compile(r"^(?:" + _alternatives(zh["same_again_fillers"]) + r")*呢$"),
        list_it_only=re.compile(
            r"^[\W_]*(?:(?:" + _alternatives(en["list_it_fillers"]) + r")\s+|(?:"
            + _alternatives(zh["list_it_fillers"]) + r"))*(?:"
            + _alternatives(en["list_it"] | set(zh["list_it"]))
            + r")(?:\s+(?:" + _alternatives(en["list_it_fillers"]) + r"))*[\s\W_]*(?:"
            + _alternatives(zh["list_it_endings"]) + r")?[\W_]*$",
            re.IGNORECASE,
        ),
        context_preface=re.compile(
            r"(?<![a-z])(?:" + _alternatives(en["context_prefaces"]) + r")(?![a-z])|" + _alternatives(zh["context_prefaces"]),
            re.IGNORECASE,
        ),
        # English writing: the little words no Chinese sentence borrows ("the 核验单", "is my
        # 身份证 ok"), whole words; "APP上传", "ICP备案", "A4纸" borrow nouns only.
        en_function=re.compile(
            r"(?<![A-Za-z0-9'])(?:" + _alternatives(en["auxiliaries"] | en["subjects"] | en["question_start"]
                                                 | en["place_prepositions"] | en["little_words"])
            + r")(?![A-Za-z0-9'])",
            re.IGNORECASE,
        ),
        # "A还是B" inside a clause asks which, unless 还是 means "still" there (``still_before``).
        zh_either_or=re.compile(
            r"(?:[\u3400-\u9fffA-Za-z0-9]|是[^。？?]{1,20})还是(?!" + _alternatives(zh["still_before"])
            + r")[\u3400-\u9fffA-Za-z0-9]"
            # a choice between two across a comma ("是要注销重新备，还是直接做变更")
            r"|是[^。？?]{1,20}，还是"
        ),
        zh_title_nouns=tuple(zh["title_nouns"]),
        zh_title_not=re.compile(_alternatives(zh["title_not"])),
        also_start=re.compile(
            r"^[\W_]*(?:and\s+)?(?:(?:" + _alternatives(en["also"]) + r")\b|" + _alternatives(zh["also"])
            + r"|还有(?!" + _alternatives(zh["what_else"]) + r"))",
            re.IGNORECASE,
        ),
        zh_still_has=re.compile(r"还有(?:" + _alternatives(zh["what_else"]) + r")"),
        en_tag_end=re.compile(
            r"(?<![a-z])(?:" + _spaced_alternatives(en_tag_ends) + r")\W*$"
            r"|(?<![a-z])(?:" + _spaced_alternatives(en["tag_choices"]) + r")\s+[a-z]",
            re.IGNORECASE,
        ),
        en_preamble=re.compile(
            r"(?:(?:" + _spaced_alternatives(en["greetings"]) + r")\b[\s,]*)?(?:" + _spaced_alternatives(en_preamble) + r")",
            re.IGNORECASE,
        ),
        en_choice=re.compile(r"[A-Za-z0-9]\s+(?:" + _alternatives(en["alternatives"]) + r")\s+[A-Za-z0-9]", re.IGNORECASE),
        en_person=re.compile(
            r"(?<![A-Za-z'])(?:" + _alternatives(en["persons"] | en["people"]) + r")(?![A-Za-z'])", re.IGNORECASE
        ),
        post_title=re.compile(r"^\W*(?:" + _alternatives(zh["post_title"]) + r")\s*[:：]", re.IGNORECASE),
        post_description=re.compile(r"(?:" + _alternatives(zh["post_description"]) + r")\s*[:：]", re.IGNORECASE),
        if_answered=re.compile(
            r"^[\W_]*" + fillers + r"(?:(?:" + _alternatives(en_if_answered) + r")\b|"
            + _alternatives(zh["if_answered"]) + r")",
            re.IGNORECASE,
        ),
    )


_ZH_QUESTION = re.compile(
    # 这么 / 那么 / 多么 / 要么 are no questions ("我传了这么多次都失败"), nor 什么 before 都/也
    # ("什么都没传"), nor 几 in "前几天", "十几年", "几年前", "好几个" and "那几样"
    r"[吗嘛呢]|(?<![这那多要什])么|"
    # 吗 typed as 马 by a pinyin input method, ending a clause after a modal or verb ("我们重庆能用马")
    r"(?<=[能行用以对是好要传签])马(?=[\s，,。？?！!]|$)|什么(?![都也])|啥|咋|怎|如何|哪|能否|是否|可否|可不可以|能不能|要不要|是不是|有没有|需不需要|"
    r"行不行|多少|多大|多久|多长|(?<![好那这前十数])几(?![乎个十百千万]|[年天月周]前)|请问|为何|为什么|求助|求问|咨询|谁(?!都)|"
    r"给一个|给个(?![人体])|发一下|发个|求个|求一个|帮我们?(?:看|查|列|说|整理)|列一下|列一份"
    # asking for something to be made ("帮我出个要准备的清单吧", "帮忙拉一份清单")
    r"|帮(?:我们?|忙)(?:出|做|弄|写|拉|整)(?:个|一个|一份|份|张|一张)"
    # A-not-A with any verb ("盖不盖章", "签不签", "传没传"), besides the listed ones
    r"|([\u4e00-\u9fff])[不没]\1"
    # "V了没有" at the end ("我们省开通了没有")
    r"|了没有?\s*[？?]?\s*$"
)
_ZH_HOW_MANY = re.compile(r"(?:要|需要|得|该|能|可以)[^，。,]{0,4}几个")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _chinese(text: str) -> bool:
    """Whether ``text`` is written in Chinese: it has ideographs, and no English little words
    ("can the app upload the 域名证书?" is English naming a Chinese term, "APP能传吗" Chinese
    naming an English one). The splitter's Chinese rules (a space ends a sentence, commas chain
    questions, 吗 ends a direct question) apply to Chinese writing only."""
    return has_ideographs(text) and not _words().en_function.search(text)


@dataclass(frozen=True)
class _Clause:
    text: str
    question: bool
    # The clause opened its sentence (a new sentence, enumeration item or joiner).
    opens: bool
    # The clause follows a comma: it starts a question only in the cases of step 3.
    after_comma: bool = False
    # The clause is an item of an enumeration: a question however short.
    item: bool = False
    # An earlier clause of the same sentence asks something.
    asked_before: bool = False
    # The clause opens a sentence cut from the one before at a space between Chinese words
    # (chat style: "被驳回了 还要用app重新传吗 能不能电脑传"), not at a punctuation mark.
    spaced: bool = False


def _only_filler(text: str) -> bool:
    """Whether a clause is only joiners and fillers ("Also,", "And btw,", "另外，")."""
    if _CJK.search(text):
        return re.sub(r"[\W_]+", "", text) in _words().zh_joiners
    if _only_a_preamble(text):
        return True
    words = [w.lower() for w in _EN_WORD.findall(text)]
    return bool(words) and all(w in _words().leading_filler or w == "separately" for w in words)




def _only_a_preamble(text: str) -> bool:
    """Whether an English clause only announces the question that follows ("Please ask,", "May
    I ask:"; lexicon ``preamble``)."""
    return bool(_words().en_preamble.fullmatch(text.strip(" ,，:：.-")))


def _refers_back(question: str) -> bool:
    """Whether an English question points back to something named before: a pronoun ("does
    it work in Fujian"), or a verb left without its object ("how do I sign?"). Chinese leaves
    the subject out without either ("又该怎么签"), so every Chinese question may."""
    words = [w.lower() for w in _EN_WORD.findall(question)]
    return bool(words) and (bool(_words().back_references & set(words)) or words[-1] in _words().objectless_verbs)


def _heading(text: str) -> bool:
    """A short label ending in a colon ("domain cert:", "图片："): it names the next question's
    subject (one that names a detail, "Personal site in Jiangxi:", is context for all)."""
    stripped = text.strip()
    return stripped.endswith((":", "：")) and len(_EN_WORD.findall(stripped)) + len(_CJK.findall(stripped)) <= 6


def _first_words(text: str) -> List[str]:
    words = [w.lower() for w in _EN_WORD.findall(text)]
    while words and words[0] in _words().leading_filler:
        words = words[1:]
    return words


def asks(text: str) -> bool:
    """Whether a whole message asks something: a question mark, or a clause that asks."""
    if text.strip().endswith(("?", "？")):
        return True
    if _chinese(text) and is_question(text):
        return True  # also across a comma: "是要注销重新备，还是直接做变更"
    if any(is_question(clause) for clause in re.split(r"[,，.。;；!！?？\n]", text)):
        return True
    return any(clause.question for clause in _clauses(text))  # also after a joiner: "…方式及格式要求"


def is_question(text: str) -> bool:
    """Whether a clause asks something (see the module doc, step 2)."""
    stripped = text.strip()
    if not stripped:
        return False
    if _CJK.search(stripped):
        if _ZH_QUESTION.search(_words().zh_preamble.sub("", stripped)):
            return True
        # 几个 is "how many" in a question ("要传几个文件？", "核验单要盖几个章") and "several"
        # in a statement ("一次备几个域名 核验单写不下").
        if "几个" in stripped and (_ZH_QUESTION_END.search(stripped) or _ZH_HOW_MANY.search(stripped)):
            return True
        # A-not-A questions ending in 不/没 ("山东能用这个功能不"), 吧 asking for a yes
        # ("签个名就行吧", "回乡证能当负责人证件用吧", "核验单要盖公章吧") and "is it true"
        # after hearsay ("听说江西还要按手印，真的假的").
        if _words().zh_a_not_a.search(stripped) or _words().zh_yes_with_ba.search(stripped) \
                or _words().zh_is_it_true.search(stripped) or _title_query(_words().zh_preamble.sub("", stripped)) \
                or _words().zh_either_or.search(stripped):
            return True
    if _only_a_preamble(stripped):
        return False
    words = [w.lower() for w in _EN_WORD.findall(stripped)]
    while words and words[0] in _words().leading_filler:
        words = words[1:]
    if not words:
        return False
    if words[0] in _words().subordinate and _asks_after_condition(
        words[3:] if words[1:2] and words[1] in _words().subjects else words[2:]
    ):
        # "if I get rejected can I redo the upload"; a condition without a subject of its own
        # is a word shorter ("after approval do I have to show the number")
        return True
    if words[0] in _words().place_prepositions and _asks_after_condition(words[2:6]):
        return True  # "in Jiangxi does a personal filer have to...", "for the form is his signature enough"
    if _subordinate_start(words) and not stripped.endswith("?"):
        # "When I fill in the form there's one small box": a condition, not a question, unless
        # a question word follows ("when I upload it, what format...").
        return any(w in _words().anywhere for w in words[2:]) or bool(_words().en_request.search(stripped))
    if words[0] in _words().question_start:
        return True
    if _words().en_tag_end.search(stripped):
        return True  # "legal person sign is ok or need fingerprint", "the seal need or not"
    if words[-1] in _words().please and last_object(stripped)[0]:
        return True  # a thing asked for with "please" at the end ("hexiaodan download link pls")
    return any(w in _words().anywhere for w in words) or bool(_words().en_request.search(stripped))


def _title_query(text: str) -> bool:
    """A help-centre title or search-box query ("核验单下载地址", "APP上传操作流程"): a short
    Chinese clause that ends with a thing one looks up and names no person and no event
    (lexicon ``title_nouns``, ``title_not``)."""
    if text.rstrip().endswith(("：", ":")):
        return False  # a heading ("情况说明：") introduces what follows
    core = text.strip(" \t,，。；;、")
    return (
        0 < len(_CJK.findall(core)) <= TITLE_MAX_IDEOGRAPHS
        and core.endswith(_words().zh_title_nouns)
        and not _words().zh_title_not.search(core)
    )


def _only_a_title(text: str) -> bool:
    """A title query without a question word ("请问多个域名填写核验单的规定"): what follows its
    comma and names nothing of its own asks on about it."""
    return _title_query(text) and not _ZH_QUESTION.search(_words().zh_preamble.sub("", text))


def _asks_after_condition(rest: List[str]) -> bool:
    """Whether the words after a condition or a place ask: an auxiliary before a subject. The
    caller skips the condition's own subject and verb ("if I get rejected | can I redo...", not
    "if it is the same") or the place ("in Jiangxi | does a personal filer...")."""
    return any(a in _words().auxiliaries and b in _words().subjects for a, b in zip(rest, rest[1:]))


def _subordinate_start(words: List[str]) -> bool:
    """Whether English words open with "when"/"if"... and a subject ("when I fill in", "when the
    app asks"): a subordinate clause, whatever the question word "when" could start."""
    return len(words) > 1 and words[0] in _words().subordinate and words[1] in _words().subjects


def _numbered(chunk: str) -> List[int]:
    """Where a run of bare numbers 1, 2, 3... starts the items of an enumeration."""
    found: List[int] = []
    for match in _BARE_NUMBER.finditer(chunk):
        if int(match.group(1)) == len(found) + 1:
            found.append(match.start())
    return found if len(found) >= 2 else []


def _sentences(text: str) -> List[str]:
    pieces: List[str] = []
    chunks = [text]
    for breaks in (_SYMBOL_BREAK, _ZH_SPACE_BREAK if _chinese(text) else None):
        if breaks is not None:
            chunks = [piece for chunk in chunks for piece in breaks.split(chunk)]
    for chunk in (piece for chunk in chunks for piece in _in_brackets_kept(_SENTENCE_END.split(chunk))):
        starts = [m.start() for m in _ENUMERATION.finditer(chunk)] + _numbered(chunk)
        bounds = [0] + [s for s in starts if s > 0] + [len(chunk)]
        pieces.extend(chunk[a:b] for a, b in zip(bounds, bounds[1:]))
    return [q for p in pieces if p.strip() for q in _listed_questions(p)]


def _in_brackets_kept(pieces: List[str]) -> List[str]:
    """Pieces cut inside brackets joined again: "any tips for the photo like background (need the
    mubu or white wall ok?) or clothes?" asks one question, the bracket an aside of it."""
    out: List[str] = []
    depth = 0
    for piece in pieces:
        if depth > 0 and out:
            out[-1] += piece
        else:
            out.append(piece)
        depth = max(0, depth + piece.count("(") + piece.count("（") - piece.count(")") - piece.count("）"))
    return out


def _listed_questions(piece: str) -> List[str]:
    """Chinese questions listed with the enumeration comma ("个人备案传哪些材料、核验单在哪下、
    海南能不能用APP", each naming its own thing) are sentences of their own; "身份证、营业执照要传吗"
    lists things in one question, and "刷脸要穿啥、能不能戴眼镜" asks one thing in two ways."""
    items = piece.split("、") if "、" in piece and _CJK.search(piece) else []
    if len(items) < 2 or not all(is_question(item) and not _too_short(item) for item in items) or not all(
        last_object(item)[0] or names_a_detail(item) for item in items[1:]
    ):
        return [piece]
    return [item + "、" for item in items[:-1]] + [items[-1]]


def _split_run_ons(piece: str) -> List[str]:
    """Cuts an unpunctuated English run of questions ("which documents do i need how big can
    the pics be where do i get the template") before each question that starts in the middle:
    a question word followed by an auxiliary, or an auxiliary before its subject ("... in
    liaoning can i use the app"). Not inside a question that has not had its own auxiliary
    yet ("what documents do I need"), nor after words that make the rest indirect ("not sure
    what", "tell me where") or relative ("the page where")."""
    if _chinese(piece):
        return [piece]
    out: List[str] = []
    start = 0
    for match in _words().en_run_on.finditer(piece):
        # this clause so far (a dash sets one off too: "I'm from Taiwan - which permit do I use")
        before = piece[start:match.start()]
        if re.search(r"\s[-\u2013\u2014]+\s+$", before) and len(_first_words(before)) >= 2 \
                and piece[match.start():].split()[0].lower() in _words().auxiliaries:
            # "We file as a company in Jiangxi - does he have to…": the dash ends the statement.
            out.append(before)
            start = match.start()
            continue
        segment = re.split(r"[,;]|\s[-\u2013\u2014]+\s", before)[-1]
        words = _first_words(segment)
        if len(words) < 2 or words[-1] in _words().not_before_run_on or words[0] in _words().subordinate:
            # (right after a comma, the comma rules of step 3 decide; "if we get rejected how
            # do we re-upload" is one question)
            continue
        opener, subject = (piece[match.start():].split() + [""])[:2]
        if opener.lower() in _words().relative:
            continue
        if opener.lower() in _words().auxiliaries and (
            words[0] in _words().question_start or _words().wh_start & set(words[:3])
            or subject.lower() not in _words().persons
        ):
            # After a statement only ("...in liaoning can i use the app"), and only before
            # I/we/you: inside a question the auxiliary is its own ("what documents | do I
            # need", "can our admin | do the upload"), and "is that accepted" goes back.
            continue
        out.append(piece[start:match.start()])
        start = match.start()
    out.append(piece[start:])
    return [p for p in out if p.strip()]


def _split_joiners(sentence: str) -> List[str]:
    """Cuts before English and Chinese joiners (kept at the start of the next piece) and
    between unpunctuated English questions."""
    pieces = [run for piece in _words().en_joiners.split(sentence) for run in _split_run_ons(piece)]
    out: List[str] = []
    for piece in pieces:
        positions = sorted(
            {
                m.start()
                for joiner in _words().zh_joiners
                for m in re.finditer(re.escape(joiner), piece)
                if not piece[: m.start()].endswith(_words().zh_modals)
                # 还有 before "what else" / an amount is no joiner ("身份证还有一个多月就到期了")
                and not (joiner == "还有" and _words().zh_still_has.match(piece, m.start()))
            }
        )
        # 及 between two titles ("域名证书获取方式及图片格式要求"); not between two things
        # ("营业执照及身份证").
        positions.extend(
            m.start() for m in re.finditer("[及、]", piece)
            if piece[: m.start()].endswith(_words().zh_title_nouns) and _title_query(piece[m.start() + 1:])
        )
        positions.sort()
        # Longer joiners starting at the same place were found too: keep the first start only.
        bounds = [0] + [p for p in positions if p > 0] + [len(piece)]
        out.extend(cut for a, b in zip(bounds, bounds[1:]) for cut in _coordinated_questions(piece[a:b]))
    return [p for p in out if p.strip()]


# 和 / 跟 between two Chinese questions (not the typo 和验单 for 核验单).
_ZH_AND = re.compile(r"[和跟](?!验单)")


def _coordinated_questions(piece: str) -> List[str]:
    """Cuts a Chinese clause where 和 / 跟 joins two whole questions ("核验单在哪下载跟要怎么签名",
    "支持哪些省份和能上传哪些资料"), dropping the 和. Not where it joins things ("身份证和营业执照要
    传吗": no question before it), follows a modal ("营业执照能不能跟身份证拼在一起") or compares
    ("证件图片的要求跟国内人一样吗").
    """
    if not _CJK.search(piece):
        return [piece]
    cuts: List[Tuple[int, int]] = []
    for match in _ZH_AND.finditer(piece):
        before = re.split(r"[,，]", piece[cuts[-1][1] if cuts else 0:match.start()])[-1]
        after = re.split(r"[,，]", piece[match.end():])[0]
        if before.rstrip().endswith(_words().zh_modals) or _words().zh_compared.search(after):
            continue
        if all(is_question(side) and not _too_short(side) for side in (before, after)):
            cuts.append((match.start(), match.end()))
    if not cuts:
        return [piece]
    bounds = [0] + [edge for cut in cuts for edge in cut] + [len(piece)]
    return [piece[a:b] for a, b in zip(bounds[::2], bounds[1::2])]


def _chinese_joiners(text: str) -> str:
    """``text`` with English joiners between Chinese sentences read as 另外 (after a comma where
    no punctuation ends the sentence before)."""
    # Hong Kong and overseas writers switch languages there; the Chinese rules, which English
    # little words turn off, then cut there.
    text = _words().latin_joiner_in_chinese.sub(
        lambda m: "另外" if text[m.start() - 1] in "？?。！!，,；;" else "，另外", text
    )
    # A question particle right before a Latin word ends its question ("有啥技巧吗app最低要啥
    # 版本"): the writer skipped the space, the script change shows where it went.
    return _PARTICLE_BEFORE_LATIN.sub(" ", text)


_PARTICLE_BEFORE_LATIN = re.compile(r"(?<=[\u4e00-\u9fff][吗呢嘛])(?=[A-Za-z]{2})")


@lru_cache(maxsize=256)
def _clauses(text: str) -> Tuple[_Clause, ...]:
    # Cached: the splitter's grouping and the aspect check (asking_clauses) read the same texts.
    clauses: List[_Clause] = []
    text = _chinese_joiners(text)
    sentences = _sentences(text)
    # Items of an enumeration ("1) documents 2) size limit") are questions even without a cue.
    enumerated = sum(1 for s in sentences if _ENUMERATION.match(s.lstrip()) or _BARE_NUMBER.match(s.lstrip())) >= 2
    # A writer who ends questions with "?" ends statements with a full stop: there, "which",
    # "when", 什么... start relative clauses ("It asks for an ID card, which I don't have.",
    # "我不太清楚分别要传什么。"), not questions.
    marks_questions = bool(re.search(r"[?？]", text))
    for index, sentence in enumerate(sentences):
        start = len(clauses)
        spaced = index > 0 and sentence[:1].isspace() and bool(_CJK.search(sentences[index - 1][-1:]))
        statement = marks_questions and sentence.rstrip().endswith((".", "。", ":", "：")) and not enumerated
        for j, joined in enumerate(_split_joiners(sentence)):
            # An enumeration comma (、) cuts only after a question particle ("是啥原因、还有幕布
            # 拍照对穿着有要求么、实在传不了能找人工不"): elsewhere it lists things.
            parts = re.split(r"(?<=[,，])|(?<=[吗么呢嘛]、)", joined)
            asked = False
            for k, part in enumerate(parts):
                if not part.strip():
                    continue
                item = enumerated and j == 0 and k == 0 and bool(
                    _ENUMERATION.match(part.lstrip()) or _BARE_NUMBER.match(part.lstrip())
                ) and not (
                    # "2. 我们网站负责人不是法人，授权书要在哪里上传": the item asks after its statement.
                    not is_question(_unnumbered(part)) and any(is_question(p) for p in parts[k + 1:])
                )
                # "还有广东个人的核验单到底要写啥，我上次就只签了个名。": a sentence that opens with
                # "also" and asks before its statement is no relative clause.
                # And "how to write all of them on the form, there is not enough space." asks, with
                # a full stop: "how to…" and "where do…" open no relative clause.
                opens_asking = j == 0 and k == 0 and (
                    (len(parts) > 1 and _opens_with_also(part)) or bool(_EN_HOW_TO.match(part))
                )
                # "不确定法人那边要提供什么证件。另外…" asks; before a question the unknown is that
                # question's setting ("不知道怎么填。除了签名还得写什么吗？").
                unknown_asked = _says_what_is_unknown(part) and (
                    index + 1 == len(sentences) or _opens_with_also(sentences[index + 1])
                )
                asks_anyway = statement and (opens_asking or unknown_asked)
                question = (is_question(part) and (not statement or asks_anyway)) or item or (
                    k == 0 and _announces_a_question(part)
                )
                clauses.append(_Clause(
                    part, question, opens=k == 0, after_comma=k > 0, item=item, asked_before=asked,
                    spaced=spaced and j == 0 and k == 0,
                ))
                asked = asked or question
        # A condition that reads as a question ("要是有好几个域名，又该怎么写": 几) is the
        # condition of the question after its comma, not a question of its own.
        conditions = [
            i for i in range(start, len(clauses) - 1)
            if clauses[i].question and not clauses[i].item and _CJK.search(clauses[i].text)
            and _conditions(clauses[i], clauses[i + 1])
        ]
        if conditions:
            asked_so_far = False
            for k in range(start, len(clauses)):
                asked_so_far = asked_so_far and not clauses[k].opens
                clauses[k] = replace(clauses[k], question=clauses[k].question and k not in conditions,
                                     asked_before=asked_so_far)
                asked_so_far = asked_so_far or clauses[k].question
        own = clauses[start:]
        if statement and own and _direct_question(own[-1].text, no_auxiliary=True) and not (
            own[-1].after_comma and _first_words(own[-1].text)[:1] in (["which"], ["who"], ["where"], ["when"])
        ):
            # "hunan, 9 domains, how do we fit them on the form." asks, with a full stop: a
            # direct question ending the sentence, unlike "When I downloaded it, it looked...".
            clauses[-1] = replace(own[-1], question=True)
            own = clauses[start:]
        # English as Chinese writers put it offers a choice without a question word or "?"
        # ("…for ICP he upload passport right? passport only photo page or all pages need"): a
        # sentence after a question, naming no person, that offers one (its first clause asks).
        # (When a later clause of the sentence asks already, only a choice in the first counts.)
        offering = sentence if not any(c.question for c in own) else (own[0].text if own else "")
        if own and not own[0].question and any(c.question for c in clauses[:start]) \
                and not _chinese(offering) and _words().en_choice.search(offering) \
                and not _words().en_person.search(offering):
            clauses[start] = replace(own[0], question=True)
            own = clauses[start:]
        # A sentence that ends with "?" asks something even when no clause has a cue
        # ("Also the photos, jpg or png?"); its first clause carries the question.
        if own and not any(c.question for c in own) and sentence.strip().endswith(("?", "？")) \
                and len(_EN_WORD.findall(sentence)) + len(_CJK.findall(sentence)) >= 2:
            # (after a preamble: "Please ask, our company hexiaodan need stamp?")
            first = next((i for i, c in enumerate(own) if not _only_filler(c.text)), 0)
            clauses[start + first] = replace(own[first], question=True)
    return tuple(clauses)


def _says_what_is_unknown(text: str) -> bool:
    """Whether a Chinese clause says what the writer does not know ("不确定法人那边要提供什么证件。",
    "但我不知道去哪下模板。"): an indirect question (lexicon ``indirect``) with a question word
    after it."""
    found = _words().zh_indirect.search(text)
    return bool(found) and bool(_ZH_WH.search(text, found.end()))


def _announces_a_question(text: str) -> bool:
    """Whether a Chinese clause opens with "by the way, I ask" (顺便问下, 再问一下, 还想问: lexicon
    ``also`` words with 问) and goes on: "顺便问下辽宁是在能用app上传的省份里吧" asks without a
    question word or mark."""
    found = _words().also_start.match(text.lstrip())
    return bool(found) and "问" in found.group(0) and len(_CJK.findall(text[found.end():])) >= 4


def _opens_with_also(text: str) -> bool:
    """Whether ``text`` opens with "also" (lexicon ``also``, or a Chinese joiner: 还有, 另外…)."""
    text = text.lstrip()
    return bool(_words().also_start.match(text)) or text.startswith(_words().zh_joiners + _words().zh_new_matter)


def _conditions(clause: _Clause, after: Optional[_Clause]) -> bool:
    """Whether ``clause`` is a condition ("要是服务器买香港的，", "if we host it in Hong Kong,") of
    the question right after its comma, and so part of that question."""
    return after is not None and after.question and after.after_comma and bool(_words().condition.search(clause.text))


def _opens_another_matter(clause: _Clause, after: Optional[_Clause]) -> bool:
    """Whether ``clause`` is a statement that opens its sentence with "also" ("还有这次图片传不上去，",
    "Also the upload keeps failing,") and ``after``, a later clause of its sentence after a comma,
    asks about it: a fragment there ("咋办", "why?") is that matter's question, not more of the
    one before."""
    if after is None or not (after.after_comma or after.spaced) or not clause.opens or clause.question:
        return False  # (a space between Chinese sentences stands for the comma)
    return _opens_with_also(clause.text)


def _asks_for_more(text: str) -> bool:
    """A request that names nothing new and points back ("List them please.", "can you explain
    that", "能一项项列出来吗"): it asks for more of the question before, not a new one."""
    if last_object(text)[0] or names_a_detail(text):
        return False
    if _chinese(text):
        return bool(_ZH_MORE.search(text))
    words = _first_words(text)
    return bool(words) and words[0] in _words().requests and bool(_words().back_references & set(words[1:]))


def _direct_question(text: str, no_auxiliary: bool = False) -> bool:
    """A clause worded as a question from its start ("how do we fit them", "要盖章吗"); with
    ``no_auxiliary``, not an English one led by an auxiliary: "...and do the face check." ends a
    story, "..., how do we fit them on the form." and "walk me through it." ask."""
    if _chinese(text):
        return text.rstrip("。. ").endswith(("吗", "呢", "嘛"))
    words = _first_words(text)
    if not words or words[0] not in _words().question_start or words[0] in {"please", "pls", "plz"}:
        return False
    if no_auxiliary and words[0] in _words().auxiliaries:
        return False
    # "When I fill in the form there's one box." is a condition; "...and will run the site." goes
    # on with a verb where a question would name its subject.
    return not _subordinate_start(words) and not (
        words[0] in _words().auxiliaries and words[1:2] and words[1] in _words().verbs
    )


def _too_short(text: str) -> bool:
    """A fragment ("how,", "when", "多大") is part of a question, never a question of its own."""
    words, ideographs = len(_EN_WORD.findall(text)), len(_CJK.findall(text))
    if not ideographs:
        # "what documents,", "how big" and "any tips?" ask; "how," and "what now" do not stand alone
        if _words().en_request.search(text):
            return False
        first = _first_words(text)
        return words < 2 or (words == 2 and not (first[:1] and first[0] in _words().wh_start and first[-1] not in {"now", "else", "about", "so", "come", "not"}))
    return ideographs + words < 4  # "APP能传吗" is a question, "能传吗" is not


# Question words proper: a clause with one asks for something, not just yes or no.
_ZH_WH = re.compile(r"啥|什么|哪|怎|咋|如何|多少|多大|多久|多长")
# A clause opening with a mistake made ("签错了", "抄错了", "填错的话"): its condition.
_ZH_MISTAKE = re.compile(r"^[\s，,]*[\u4e00-\u9fff]{1,2}错(?:了|的话)")
_EN_HOW_TO = re.compile(r"^\W*(?:how|where|what|which|when)\s+(?:to|do|does|can|should|must|shall)\b", re.IGNORECASE)
_ZH_QUESTION_END = re.compile(r"[吗嘛呢么?？][,，\s]*$")
# Asking for the answer before in more detail or as a list ("能一项项列出来吗", "说详细点",
# "能跟我说说不").
_ZH_MORE = re.compile(
    r"^[\s，,]*(?:能|可以|麻烦|请)?(?:不能)?(?:跟我|给我|帮我|和我)?(?:一项项|一条条|一个个|逐条|逐项|详细|具体)?"
    r"(?:(?:列|说|讲|写)(?:出来|一下|清楚|详细|具体)|说说|讲讲|介绍一下)"
)


def _continues_yes_no(text: str) -> bool:
    """Whether a Chinese question clause may go on with the question before it rather than ask
    a new one: a yes-or-no clause (lexicon ``yes_no``) naming no thing and no detail of its own
    ("是不是还必须用App传，能不能改成在电脑上传？", "放在网站什么位置，需不需要加链接？"). Used after a
    comma, after a space between Chinese sentences, and for clauses offering another way
    (``switch``). 上传 names the act there, not a thing (``topic_objects.other`` lists it so that
    a question about uploading carries no thing over: dropping it from there broke more than it
    fixed)."""
    if text.lstrip().startswith(tuple(_words().zh_joiners) + _words().zh_next_step):
        return False  # "另外…" and "传完…" open a question of their own
    if _ZH_MISTAKE.match(text):
        return False  # "…要黑笔吗 签错了能划掉重签不": what to do after a mistake is another question
    if _ZH_WH.search(text):
        return False  # "…要幕布吗 穿啥合适…还要点啥不": a question word of its own asks something else
    return bool(_words().zh_yes_no.search(text)) and not (
        last_object(re.sub(r"上+传", "传", text))[0] or names_a_detail(text)
    )


# The thing a Chinese question asks to be named ("写哪天" -> 天, "盖什么颜色的章" -> 颜色).
_ZH_ASKED_NOUN = re.compile(r"(?:哪|什么|啥)(?:个|种|些|一)?([\u4e00-\u9fff]{1,2})")
# A question that asks how something is done ("怎么传", "如何上传", "咋弄"): a choice after it
# offers ways of doing it.
_ZH_ASKED_HOW = re.compile(r"(?:怎么|怎样|如何|咋)(?:样)?[\u4e00-\u9fff]?[传弄办交放签写填拍上]")


def _offers_answers(text: str, previous: str) -> bool:
    """Whether a Chinese clause only offers answers to the question before ("…日期写哪天 是打印
    那天还是提交那天"): a choice ("A还是B") with no question word of its own, naming no thing and
    no detail, whose choices name what that question asks for (天), or ways of doing what it asks
    how to do."""
    if not _chinese(text) or not _words().zh_either_or.search(text) or _ZH_QUESTION.search(text):
        return False
    if (last_object(text)[0] and not names_only_vehicles(text)) or names_a_detail(text):
        return False  # (the pen or the signature is how, not what: "写签字那天还是提交那天")
    if _ZH_ASKED_HOW.search(previous):
        return True  # "营业执照和名称变更证明怎么传 分开还是放一起": the ways it asks about
    asked = [noun.rstrip("啊呀吗呢吧嘛哈") for noun in _ZH_ASKED_NOUN.findall(previous)]
    return any(noun and noun[-1] in text for noun in asked)


def _yes_no(text: str) -> bool:
    """Whether a Chinese question asks yes or no ("要盖章吗", "能不能用APP")."""
    return bool(_words().zh_asks_yes_no.search(text))


def _starts_new_question(
    previous: Optional[_Clause], clause: _Clause, first: bool, opened_by: Optional[_Clause] = None
) -> bool:
    """Whether ``clause`` asks a question of its own. ``opened_by`` is the first clause of its
    sentence while every clause of the sentence before it is a statement ("另外我域名是在别家买的，
    不在阿里云，那咋整": the "also" opens the matter that 那咋整 asks about)."""
    if not clause.question:
        return False
    if _words().alternative_start.match(clause.text) and (
        previous is None or previous.question or not clause.after_comma or not _chinese(clause.text)
    ):
        # "…？还是…" offers another answer to the question before; in Chinese, after a statement
        # of its sentence ("授权书这张图是单独传，还是要拼在一起传？") it completes a question of its
        # own (English writers mark the first half as a question: "Will a copy do, or…?").
        return False
    if _too_short(clause.text) and not clause.item and previous is not None and previous.question \
            and (clause.spaced or clause.after_comma) and names_a_detail(clause.text) \
            and _only_ne(_detail_words()[1].sub("", clause.text)):
        return True  # "福建的能用app传资料吗 那辽宁呢 江苏呢": each province asked again
    if _too_short(clause.text) and not clause.item:
        # A fragment ("请问", "how,") is part of a question, unless it is a sentence of two
        # words or more asking on its own ("What formats? Can I...", "fingerprint needed?").
        whole = clause.opens and not clause.after_comma and clause.text.strip().endswith(("?", "？"))
        if not first and previous is not None and not previous.question and not clause.asked_before \
                and (_conditions(previous, clause) or _opens_another_matter(opened_by or previous, clause)):
            # "…吗？如果是个人，怎么签": the condition's own question; "…吗？还有图片传不上去，咋办":
            # the new matter's
            return True
        if opened_by is not None and clause.after_comma and not clause.asked_before and _chinese(clause.text) \
                and clause.text.rstrip().endswith(("?", "？")):
            # "…？这次想改成电脑上传，可以吗？": the fragment asks about its sentence's statements.
            return True
        return whole and (first or len(_EN_WORD.findall(clause.text)) + len(_CJK.findall(clause.text)) >= 2)
    if first:
        return True
    if _asks_for_more(clause.text) and not clause.item:
        return False  # "List them please.", "能一项项列出来吗": more of the question before
    if _words().zh_is_it_ok.search(clause.text) and not (last_object(clause.text)[0] or names_a_detail(clause.text)) \
            and not (clause.after_comma and previous is not None and not previous.question) \
            and not clause.text.lstrip().startswith(_words().zh_next_step) \
            and not _words().zh_other_way.search(clause.text) \
            and not any(form in clause.text for form in _words().zh_document_forms):
        # "放侧边栏行不行": another way of doing what the question before asks about; but after
        # a statement of its own sentence it asks about that ("还有电脑端传图也卡住，换个浏览器能行吗"),
        # and one opening with the next step asks about that step ("…要彩色打印吗 签完拍照可以吗").
        return False
    if previous is not None and previous.question and (clause.after_comma or clause.spaced) \
            and _offers_answers(clause.text, previous.text):
        return False  # "日期写哪天 是打印那天还是提交那天": the choices of the question before
    if clause.after_comma:
        if previous is None:
            return False
        if not clause.asked_before:
            # The sentence's question starts here, after its preamble ("Also, how much...",
            # "And for the ICP itself, whose IDs do I upload?").
            return True
        if _chinese(clause.text):
            # Chinese writers chain whole questions with commas ("要按指纹吗，用什么证件",
            # "要传哪些材料，图片多大"): a question after a direct question is a new one; after
            # an indirect one ("不知道两个域名怎么填，能不能写在一起") it goes on.
            if _continues_yes_no(clause.text):
                return False
            if _only_a_title(previous.text) and not _title_query(clause.text) and not (
                last_object(clause.text)[0] or names_a_detail(clause.text)
            ):
                return False  # "多个域名填写核验单的规定，各省份分别是怎样的？": the title asked on
            return previous.question and not _words().zh_indirect.search(previous.text)
        if previous.question and _words().leading_joiner.match(clause.text.lstrip()) \
                and len(_first_words(clause.text)) >= 4:
            # "where I download the certificate, and the template where to download": a joiner
            # after a question opens another, worded as it may be (any question word, or a
            # yes-or-no ending: "and the fingerprint use red ink pad or any color").
            return True
        if not previous.question and previous.after_comma and _words().leading_joiner.match(previous.text.lstrip()) \
                and _direct_question(clause.text):
            # "How should I sign the form, and I have a second domain, where do I write it?": the
            # joiner opened another matter, which this clause asks about.
            return True
        # English commas join the parts of one question ("I'm not sure what files it expects,
        # can you list them"). A new one: a direct question after a direct question, with a
        # subject of its own ("can I use my passport, does the scan need to be in colour",
        # "what documents do I need, what's the size limit"), not "..., is it in the console".
        before, words = _first_words(previous.text), _first_words(clause.text)
        if not (before and before[0] in _words().question_start and previous.question and words):
            return False
        if words[0] in _words().wh_start:
            return len(words) >= 3
        return (
            words[0] in _words().question_start and len(words) >= 3
            and words[1] not in _words().back_references
        )
    if clause.spaced and previous is not None and previous.question and _continues_yes_no(clause.text) \
            and _yes_no(previous.text) and not _words().condition.search(clause.text):
        # A space between Chinese sentences stands for a comma there, but only another way of a
        # yes-or-no question goes on with it ("还要用app重新传吗 能不能电脑传"): after "where" or
        # "what" ("核验单模板在哪下 要彩色打印吗") or with a condition of its own ("…能看到吗
        # 要是被打回了能改成电脑上传吗") it asks something else.
        return False
    if previous is not None and previous.question and _words().zh_switch.match(clause.text) and _continues_yes_no(clause.text):
        # "是否还必须用App上传？能否改为在电脑上上传？" offers another way of doing what was asked
        # (naming no thing of its own: "换成手机APP传可以不" asks about the app).
        return False
    return clause.opens


@dataclass(frozen=True)
class Question:
    """One question of a message.

    Attributes:
        text: The question with the context it needs, as it is classified ("I'm from Macao,
            which ID?", "does it work in Fujian (app)?").
        asked: The question as the user wrote it, without added context: what a reply quotes
            back ("does it work in Fujian").
    """

    text: str
    asked: str


def split_questions(text: str) -> List[str]:
    """The questions of ``text``, in order, each with its context (see the module doc).

    Args:
        text: The user's message.

    Returns:
        One string per question; ``[text]`` when the message asks at most one (or none).
    """
    return [question.text for question in questions_of(text)]


@lru_cache(maxsize=256)
def _grouped(text: str) -> Tuple[Tuple[str, ...], Tuple[Tuple[str, ...], ...]]:
    """The message's clauses: the statements before its first question, and one group of
    clauses per question (a question's own clauses and the statements that follow it).

    Cached: the splitter asks for a message's questions and then, when it has one, for its
    question view (:func:`question_view`), which need the same grouping."""
    leading: List[str] = []
    groups: List[List[str]] = []
    previous: Optional[_Clause] = None
    held = ""
    opening: List[str] = []
    trouble: Optional[int] = None  # the group a reported problem opened, while its sentence goes on
    trouble_asked = False  # whether that problem's question has come
    opened_by: Optional[_Clause] = None  # the first clause of this sentence, while none asks
    # The spaced "also" statement that opened another matter after the last question, and the
    # position of the clauses from it in the last group ("…步骤 另外公司前年改过名 管局要名称变更证明
    # 这个咋传": the question at the end asks about them).
    matter: Optional[Tuple[_Clause, int]] = None
    for clause in _clauses(text):
        if _words().count_heading.match(clause.text) or _ZH_COUNT_HEADING.match(clause.text):
            continue
        if (not clause.question and _only_filler(clause.text)) or (
            _heading(clause.text) and not names_a_detail(clause.text)
        ):
            if groups and not held and clause.text.rstrip().endswith(("?", "？", "!", "！", ".", "。")):
                # "…, or just one?" ends the question it goes on; it introduces nothing.
                groups[-1].append(clause.text)
                continue
            held += clause.text  # "Also," and "images:" belong to the question they introduce
            continue
        if held:
            space = "" if held[-1:].isspace() or clause.text[:1].isspace() or _CJK.search(held[-2:]) else " "
            clause = replace(clause, text=held + space + clause.text)
        held = ""
        if clause.opens:
            opening = []  # this sentence's clauses so far, while none of them asks
            opened_by = None if clause.question else clause
        other_way = clause.question and bool(_words().zh_other_way.search(clause.text))
        if other_way and not groups and _words().trouble.search("".join(leading)):
            # "上传按钮点了没反应；能不能改用手机app直接拍照传": the problem is a matter of its own
            # (the reply answers it), and so is the other way of uploading.
            groups.append(leading)
            leading, opening = [], []
            trouble, trouble_asked = 0, True
        if trouble is not None and trouble == len(groups) - 1 and (clause.after_comma or clause.spaced) \
                and not trouble_asked and not other_way:
            # "…？还有电脑上传一直失败，怎么办": the problem's own question goes with it (a space
            # between Chinese sentences stands for the comma: "…图片都裂了 重新传也失败").
            groups[-1].append(clause.text)
            trouble_asked = clause.question
            previous, opening = clause, []
            opened_by = None if clause.question else opened_by
            continue
        trouble = None
        if (groups or leading) and _words().agent_request.search(clause.text):
            # "…换了浏览器还是传不上去 能不能给我转个人工": a request for a person is a matter of its
            # own, never the setting of the question before; a problem reported before it is the
            # first matter (the reply answers it, then hands over).
            if not groups and _words().trouble.search("".join(leading)):
                groups.append(leading)
                leading = []
            groups.append([clause.text])
            previous, opening, opened_by = clause, [], None
            continue
        if groups and _reports_trouble(clause, among_statements=clause.after_comma and bool(opening)):
            if clause.after_comma and opening:
                # "…吗\n另外换了两个浏览器，图片还是传不上": the problem's sentence, whole.
                del groups[-1][-len(opening):]
                groups.append(opening + [clause.text])
            else:
                groups.append([clause.text])
            trouble, trouble_asked = len(groups) - 1, False
        elif groups and _words().list_it_only.match(clause.text):
            groups[-1].append(clause.text)  # "...？帮我列个表": the same question, as a list
        elif _starts_new_question(
            previous, clause, first=not groups,
            opened_by=matter[0] if matter is not None and clause.spaced else opened_by,
        ):
            if groups and opening and clause.after_comma and (
                not clause.asked_before or _words().leading_joiner.match(opening[0].lstrip())
            ):
                # "And for the ICP itself, whose IDs...": the preamble goes with its question
                # (", and I have a second domain, where do I write it?" too).
                del groups[-1][-len(opening):]
                groups.append(opening + [clause.text])
            elif clause.spaced and matter is not None and groups:
                # "…还要干嘛？另外万一被驳回 是不是还得用app重新扫": the space stands for a comma, and
                # the "also" statement before it (with the statements after it) is this
                # question's setting.
                setting = groups[-1][matter[1]:]
                del groups[-1][matter[1]:]
                groups.append(setting + [clause.text])
            else:
                groups.append([clause.text])
        elif groups:
            if matter is None and not clause.question and clause.opens and (
                _opens_with_also(clause.text) or clause.text.lstrip().startswith(_words().zh_next_step)
            ):
                # (or the next step: "…穿啥有讲究不 传完了手机上显示订单信息 接下来干嘛")
                matter = (clause, len(groups[-1]))
            groups[-1].append(clause.text)
        else:
            leading.append(clause.text)
        if clause.question:
            matter = None
        opening = opening + [clause.text] if not clause.question else []
        if clause.question:
            opened_by = None
        previous = clause
    if held and groups:
        groups[-1].append(held)
    return tuple(leading), tuple(tuple(group) for group in groups)


def _reports_trouble(clause: _Clause, among_statements: bool = False) -> bool:
    """A sentence, not a question, reporting an upload that fails (lexicon ``trouble``): after a
    question, a second problem to help with (see :func:`_grouped`). ``among_statements``: the
    clause goes on a sentence of statements ("另外换了两个浏览器，图片还是传不上")."""
    return (
        not clause.question and (clause.opens or clause.spaced or among_statements)
        and bool(_words().trouble.search(clause.text))
    )


def _ends_a_clause(text: str) -> bool:
    """Whether ``text`` ends with punctuation or a space: "also" after it opens a clause of its
    own, not one said inside a sentence ("身份证还有两个月就到期了" is "still two months")."""
    return text[-1:].isspace() or bool(re.search(r"[\W_]\s*$", text))


def _question_groups(text: str) -> Tuple[Tuple[str, ...], Tuple[Tuple[str, ...], ...]]:
    """:func:`_grouped`, except that statements followed by "Also, …" / "另外…" asked too
    ("证件图片传不上去，清了缓存也没用；另外必须是彩色的吗"): they become the first question; and
    that a post's title is the setting of the questions its description asks ("标题：香港人做个备
    要传什么证件 描述：……用回乡证可以不？"), not one more question."""
    leading, groups = _grouped(text)
    described = _words().post_description.search(text) if _words().post_title.match(text) else None
    if described is not None and groups:
        title = text[:described.start()]
        in_title = 0
        # (a title's question keeps the description's statements that follow it)
        while in_title < len(groups) and groups[in_title][0].strip() in title:
            in_title += 1
        if 0 < in_title < len(groups):
            leading = (*leading, *(clause for group in groups[:in_title] for clause in group))
            groups = groups[in_title:]
    if leading and groups and _words().also_start.match("".join(groups[0])) and not names_a_detail("".join(leading)) \
            and _ends_a_clause(leading[-1]):
        return (), (leading, *groups)
    if len(leading) > 1 and groups and _words().also_start.match(leading[-1]) \
            and not names_a_detail("".join(leading[:-1])):
        # "…传不上去；顺带问一句，备案期间…": the same, the "also" in a clause of its own.
        return (), (leading[:-1], (leading[-1], *groups[0]), *groups[1:])
    return leading, groups


# "X 和 Y 分别…": one question asked of several things.
_ZH_RESPECTIVELY = "分别"
_ZH_THINGS_APART = re.compile(r"以及|[和跟与及、](?!验单)")


def _distributed(question: str) -> List[str]:
    """"核验单跟域名证书分别要去哪里下载" asks the same of things whose answers differ: one
    question each ("核验单要去哪里下载", "域名证书要去哪里下载"). Things of one answer ("身份证和营业
    执照分别拍几张") stay one question."""
    if question.count(_ZH_RESPECTIVELY) != 1:
        return [question]
    head, asked = question.split(_ZH_RESPECTIVELY)
    things = [thing.strip(" ，,") for thing in _ZH_THINGS_APART.split(head)]
    if len(things) < 2 or not asked.strip(" ？?。") or not all(last_object(thing)[0] for thing in things):
        return [question]
    answers = [answers_of_things(thing) for thing in things]
    if not all(answers) or len(set(answers)) < len(answers):
        return [question]
    return [thing + asked for thing in things]


def questions_of(text: str) -> List[Question]:
    """Like :func:`split_questions`, with each question also as the user wrote it."""
    if not text or not text.strip():
        return [Question(text, text)]
    leading, groups = _question_groups(text)
    questions: List[str] = []
    spread: Set[int] = set()  # the questions asked of one of several things ("分别")
    for group in groups:
        each = _distributed("".join(group).strip())
        if len(each) > 1:
            spread |= set(range(len(questions), len(questions) + len(each)))
        questions += each
    if len(questions) <= 1:
        return [Question(text, text)]
    # The first question keeps everything before it, in order; the others only the details,
    # and the thing the question before was about when they name none ("does it work in
    # Fujian" after a question about the app).
    # Later questions get the details those statements name, not the statements: "Our owner has
    # a British passport," would pull "what should he wear for the face check" to the ID answer.
    shared = _details_of(leading)
    parts = [Question(_with_context("".join(leading).strip(), questions[0]), _with_context("", questions[0]))]
    _, about = last_object("".join(leading) + questions[0])
    previous = questions[0]
    earlier: List[str] = []
    for position, question in enumerate(questions[1:], start=1):
        if position - 1 in spread:
            # A question asked of several things ("核验单和域名证书分别去哪下载") hands none of them
            # on: which one a next question naming none is about, it does not say.
            about = None
        asked = _with_context("", question)
        names, own = last_object(question)
        # Details named with an earlier question apply to a question that names nothing of its
        # own but the app ("域名证书在哪打印，我是河南的个人 / 能不能手机app上传"), unless it opens
        # on the answer to the one before ("if yes, how do I use it"): it is asked for that case.
        # Not a residency, stated or asked: it decides the ID answer, which such a question does
        # not ask, and would pull it there ("台湾居民做个人备案，证件传哪种？然后负责人是不是还得
        # 本人去现场拍照").
        earlier.append(previous)
        context = shared
        if names_nothing_of_its_own(question) and not names_a_detail(question) \
                and not _words().if_answered.match(question):
            context = _details_of([*leading, *earlier], residency=False)
        again = _asked_again_for(question, _with_context("", previous))
        previous = question if again is None else again  # "核验单呢？幕布呢？" chain
        if again is not None:
            # "授权书呢" after "app能传身份证吗": "app能传授权书吗".
            parts.append(Question(_with_context(context, again), asked))
            about = own
            continue
        # A question that names a thing, or a person's details ("负责人是日本人咋整"), has a
        # subject of its own; one that names only the app still asks about the thing before
        # ("域名证书怎么下载 下载好了能用APP传吗").
        takes_about = not names or (names_only_vehicles(question) and not names_only_vehicles(about or ""))
        if takes_about and about is not None and not names_a_detail(question):
            if _chinese(question):
                context = context + about  # "核验单" + "又该怎么签？"
            elif _refers_back(question):  # "does it work in Fujian (app)?"
                bare = question.rstrip("?？,， ")
                question = f"{bare} ({about})" + ("?" if question.rstrip().endswith("?") else "")
        parts.append(Question(_with_context(context, question), asked))
        # Only the question right after carries it: a third one naming nothing is seldom still
        # about the first one's thing.
        about = own
    return parts


def _only_same_again(rest: str) -> bool:
    """Whether Chinese text, once a thing or a detail is left out, is short and only asks "the
    same?" ("也一样吗", "也能传吗"; lexicon ``same_again``)."""
    core = re.sub(r"[\W_a-zA-Z0-9]+", "", rest)
    return len(core) <= SAME_AGAIN_MAX_CHARS and bool(_words().zh_same_again.search(rest.strip()))


def _also_the_same(rest: str) -> bool:
    """Whether Chinese text, once a thing is left out, only asks "also the same?" ("也能传吗",
    "也可以吗"): about that thing, what the question before asked."""
    return "也" in rest and _only_same_again(rest)


def _only_ne(rest: str) -> bool:
    """Whether Chinese text, once a thing or a detail is left out, is only fillers and 呢
    ("那…呢", "…的话呢")."""
    return bool(_words().zh_bare_ne.match(re.sub(r"[\W_a-zA-Z0-9]+", "", rest)))


def _outermost(spans: List[Tuple[int, int, bool]]) -> List[Tuple[int, int, bool]]:
    """The spans not inside a longer one ("域名" inside "域名证书")."""
    return [
        span for span in spans
        if not any(o[0] <= span[0] and span[1] <= o[1] and (o[1] - o[0]) > (span[1] - span[0]) for o in spans)
    ]


def _asked_again_for(question: str, previous: str) -> Optional[str]:
    """The question before, asked again about another thing, when ``question`` only names that
    thing ("授权书呢", "What about the authorization letter?", "And the domain certificate?"):
    the previous question with its last thing (other than the app) replaced; None otherwise."""
    if names_a_detail(question):
        return None  # "那湖南呢" asks again for a detail (bot.core.parts)
    spans = _outermost([
        (m.start(), m.end(), thing.again and not thing.vehicle)
        for thing in _object_words()
        for m in thing.pattern.finditer(question)
    ])
    # Only one of the FAQ's things or a document ("授权书呢", "营业执照呢"), not an attribute
    # ("格式呢" after "图片最大多大") nor the app.
    if not spans or not all(thing for _, _, thing in spans):
        return None
    start, end, _ = max(spans, key=lambda span: span[1] - span[0])
    thing = question[start:end]
    rest = (question[:start] + " " + question[end:]).strip()
    if _chinese(question):
        if not (_only_ne(rest) or _also_the_same(rest)):
            return None
    elif not set(w.lower() for w in _EN_WORD.findall(rest)) <= _words().object_follow_up:
        return None
    before = [
        (start, end)
        for start, end, vehicle in _outermost([
            # the act ("上传") is what is asked of the thing, never the thing replaced
            (m.start(), m.end(), thing.vehicle or thing.act) for thing in _object_words()
            for m in thing.pattern.finditer(previous)
        ])
        if not vehicle
    ]
    if not before:
        # "APP上能传哪些东西，授权书也能传吗": the question before named only the app.
        vehicles = [m.group(0) for t in _object_words() if t.vehicle for m in t.pattern.finditer(previous)]
        if vehicles and _chinese(question) and _also_the_same(rest):
            return _with_context(vehicles[-1] + "，", question)
        return None
    start, end = max(before)
    if previous[end:end + 1] == "s" and not previous[end + 1:end + 2].isalpha():
        end += 1  # "ID cards": the plural goes with the thing replaced
    return previous[:start] + thing + previous[end:]


#: Sentences of background before a message's only question that make it a long message, whose
#: question alone may be read (:func:`question_view`).
BACKGROUND_SENTENCES = 2


def question_view(text: str) -> Optional[str]:
    """The only question of a long message, with the details its background names.

    "我们是港资企业，法人是香港人，网站负责人是内地员工。营业执照和员工身份证都没问题，核验单也盖好章了。
    法人那边的证件应该传哪一种？" asks which ID a Hong Kong owner uploads; its background names
    the business licence and the form, which pull the whole message towards other answers. The
    view is "企业香港人内地，法人那边的证件应该传哪一种？". See
    :class:`bot.nlu.compound.CompoundCollector` for when it is preferred.

    Returns:
        The view, or None unless the message asks one question after at least
        :data:`BACKGROUND_SENTENCES` sentences of statements.
    """
    if not text or not text.strip():
        return None
    leading, groups = _grouped(text)
    if len(groups) != 1 or len(_sentences("".join(leading))) < BACKGROUND_SENTENCES:
        return None
    # The statements of the question's own sentence stay, in full: "听说现在用手机APP就能把资料
    # 和核验一起搞定，具体步骤是怎样的？" asks about the app's steps.
    own = len(leading)
    while own > 0 and not leading[own - 1].rstrip().endswith((*_SENTENCE_END_CHARS, ".", ":")):
        own -= 1
    return _with_context(_details_of(leading[:own]), ("".join(leading[own:]) + "".join(groups[0])).strip())


#: At most this many words (English) or characters (Chinese) besides the details, for a question
#: to be only "the same for them?" (:func:`asks_the_same_again`).
SAME_AGAIN_MAX_WORDS = 7
SAME_AGAIN_MAX_CHARS = 8


def asks_for_a_person(text: str) -> bool:
    """Whether ``text`` requests a human agent in so many words (lexicon ``agent_request``:
    "can I just talk to an actual person", "麻烦安排人工客服跟进一下"). The splitter makes such a
    request a question of its own; read alone it is short and informal, and a classifier may
    take it for chit-chat, so its answer is the handoff whatever the classifier says."""
    return bool(_words().agent_request.search(text))


def asks_the_same_again(text: str) -> bool:
    """Whether a question names a detail and otherwise only asks the question before it again:
    "Same for Macao?", "and is it the same in Xinjiang?", "新疆也一样吗", "福建也可以吗"."""
    if not text or not names_a_detail(text):
        return False
    rest = without_details(text) or ""
    if _chinese(text):
        return _only_ne(rest) or _only_same_again(rest)
    words = _EN_WORD.findall(rest)
    return len(words) <= SAME_AGAIN_MAX_WORDS and bool(_words().en_same_again.search(rest))


def first_question_view(text: str) -> Optional[str]:
    """The first question of a long compound message, with only the details its background
    names (as the later questions get them): the whole background pulls it towards the topics
    the background mentions. See :class:`bot.nlu.compound.CompoundCollector` for when it is
    preferred.

    Returns:
        The view, or None unless the message asks two or more questions after at least
        :data:`BACKGROUND_SENTENCES` sentences of statements.
    """
    if not text or not text.strip():
        return None
    leading, groups = _question_groups(text)
    if len(groups) < 2 or len(_sentences("".join(leading))) < BACKGROUND_SENTENCES:
        return None
    return _with_context(_details_of(leading), "".join(groups[0]).strip())


def without_details(text: str) -> Optional[str]:
    """The question of a one-question message with the details it names left out.

    A province or a residency weighs heavily on the classifier, because most training examples
    that name one ask where the app works or which ID a non-mainland owner uploads: "I'm in
    Liaoning, filing as an individual. Can you walk me through uploading with the app?" reads
    as the app's provinces, "Tibet, personal filing, Chinese citizen. Which documents do I
    upload?" as the foreign owner's ID. Without the details ("I'm in , filing as an . Can you
    walk me through uploading with the app?") the question reads as what it asks. See
    :class:`bot.nlu.compound.CompoundCollector` for when this reading is preferred; the details
    still tailor the answer (the entities are the whole message's).

    Returns:
        The text without its detail words, or None when it names none, asks several questions,
        is a long message (:func:`question_view`), or has nothing left.
    """
    if not text or not text.strip() or not names_a_detail(text):
        return None
    leading, groups = _grouped(text)
    if len(groups) != 1 or len(_sentences("".join(leading))) >= BACKGROUND_SENTENCES:
        return None
    latin, chinese, _, _ = _detail_words()
    spans = [m.span() for m in chinese.finditer(text)]
    if len(text.lower()) == len(text):  # lower-casing keeps the offsets (it does but for rare letters)
        spans += [m.span() for m in latin.finditer(text.lower())]
    kept, end = [], 0
    for start, stop in sorted(spans):
        if start >= end:
            kept.append(text[end:start])
            end = stop
    kept.append(text[end:])
    rest = "".join(kept).strip(" ,，、:：;；。.")
    if not rest or rest == text or not re.search(r"[\w\u3400-\u9fff]{2}", rest):
        return None
    return rest


def _details_of(statements: Sequence[str], residency: bool = True) -> str:
    """The details the statements name, as a preamble for a question (:func:`detail_phrases`)."""
    return detail_phrases("".join(c for c in statements if names_a_detail(c)), residency)


class _DetailWords(NamedTuple):
    """The words that name a detail (a province, an applicant type, a residency)."""

    latin: re.Pattern  # whole words of lower-cased text, longest first
    chinese: re.Pattern  # anywhere, longest first
    # each word (lower case) to the first word of its kind in its language ("泰国" to "外籍",
    # "广东省" to "广东"): the word a question's detail preamble uses
    usual: Dict[str, str]
    residencies: FrozenSet[str]  # the usual words (lower case) of the residency kinds


@lru_cache(maxsize=2)
def _detail_words(lexicon: Path = LEXICON_FILE, provinces: Path = PROVINCES_FILE) -> _DetailWords:
    """The lexicon's detail words (applicant types, residencies) and the provinces' names."""
    kinds: List[List[str]] = []
    residencies: Set[str] = set()
    data = yaml.safe_load(lexicon.read_text(encoding="utf-8")) or {}
    for kind in ("applicant_type", "residency"):
        for by_language in (data.get(kind) or {}).values():
            kinds += [[str(p) for p in phrases or []] for phrases in by_language.values()]
            if kind == "residency":
                residencies |= {str(phrases[0]).lower() for phrases in by_language.values() if phrases}
    for province in (yaml.safe_load(provinces.read_text(encoding="utf-8")) or {}).get("provinces", []):
        aliases = [a for a in province.get("aliases") or [] if len(a) > 1]
        kinds += [[province["name_en"], *(a for a in aliases if not _CJK.search(a))],
                  [province["name_zh"], *(a for a in aliases if _CJK.search(a))]]
    words = [w for phrases in kinds for w in phrases]
    usual: Dict[str, str] = {}
    for phrases in kinds:
        for word in phrases:
            usual.setdefault(word.lower(), phrases[0])
    latin = sorted({w.lower() for w in words if not _CJK.search(w)}, key=len, reverse=True)
    chinese = {w for w in words if _CJK.search(w) and len(w) > 1}
    pattern = re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, latin)) + r")(?![a-z])")
    return _DetailWords(pattern, re.compile(_alternatives(chinese) or r"(?!)"), usual, frozenset(residencies))


class _Thing(NamedTuple):
    """One thing of ``topic_objects`` in one language (data/lexicon.yml explains the keys)."""

    carry: bool  # carried over to a next question that names none
    vehicle: bool  # the app: a question naming only it is still about the thing before
    act: bool  # uploading: what every question here is about, no thing of its own
    again: bool  # "X呢" asks the question before again about it
    answer: Optional[str]  # the FAQ answer about the thing itself, if it has one
    pattern: re.Pattern


@lru_cache(maxsize=2)
def _object_words(lexicon: Path = LEXICON_FILE) -> Tuple[_Thing, ...]:
    """Each thing of ``topic_objects``, once per language. Things carried over are asked again
    about too ("授权书呢"); so are documents (``again``) that are not carried over ("营业执照呢")."""
    data = yaml.safe_load(lexicon.read_text(encoding="utf-8")) or {}
    found = []
    for entry in (data.get("topic_objects") or {}).values():
        for language in ("en", "zh"):
            words = [str(p) for p in entry.get(language) or []]
            if not words:
                continue
            # Latin words (also in Chinese text: "APP") match whole words only ("app" is not
            # in "approval"); Chinese ones anywhere.
            alternatives = "|".join(
                re.escape(w) if _CJK.search(w) else rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])"
                for w in sorted(words, key=len, reverse=True)
            )
            found.append(_Thing(
                carry=entry.get("carry", True),
                vehicle=entry.get("vehicle", False),
                act=entry.get("act", False),
                again=entry.get("again", entry.get("carry", True)),
                answer=entry.get("answer"),
                pattern=re.compile(alternatives, re.IGNORECASE if language == "en" else 0),
            ))
    return tuple(found)


def answers_of_things(text: str) -> FrozenSet[str]:
    """The FAQ answers of the things ``text`` names that have one of their own (the form, the
    letter, the certificate, the backdrop: ``topic_objects`` with an ``answer``)."""
    return frozenset(t.answer for t in _object_words() if t.answer and t.pattern.search(text))


def names_only_vehicles(text: str) -> bool:
    """Whether every thing of ``topic_objects`` that ``text`` names is a vehicle (the app): such
    a question is still about the thing the question before named ("下载好了能用APP传吗")."""
    kinds = [thing.vehicle for thing in _object_words() if thing.pattern.search(text)]
    return bool(kinds) and all(kinds)


def names_a_subject(text: str) -> bool:
    """Whether ``text`` names a thing of ``topic_objects`` a question can be about (one carried
    over or asked about again: the form, the letter, an ID card), not only an attribute of one
    ("公章", "格式") or the app."""
    return any((thing.carry or thing.again) and not thing.vehicle for thing in _object_words() if thing.pattern.search(text))


def names_nothing_of_its_own(text: str) -> bool:
    """Whether ``text`` names no thing of ``topic_objects`` but the app and the act of uploading
    ("在哪上传？", "能用APP传吗")."""
    return all(thing.vehicle or thing.act for thing in _object_words() if thing.pattern.search(text))


def last_object(text: str) -> Tuple[bool, Optional[str]]:
    """Whether ``text`` names a thing of the lexicon's ``topic_objects``, and the last thing to
    carry over it names (as spelled in ``text``), if any."""
    names, best = False, None
    for thing in _object_words():
        for match in thing.pattern.finditer(text):
            names = True
            if thing.carry and (best is None or match.end() > best[0]):
                best = (match.end(), match.group(0))
    return names, best[1] if best else None


def names_a_detail(text: str) -> bool:
    """Whether ``text`` names a province, applicant type or residency (lexicon words)."""
    latin, chinese, _, _ = _detail_words()
    return bool(latin.search(text.lower()) or chinese.search(text))




def _unnumbered(text: str) -> str:
    """``text`` without the number that opens it ("2) image size limit"): the message's layout,
    not part of the question."""
    for marker in (_ENUMERATION, _BARE_NUMBER):
        if marker.match(text):
            return marker.sub("", text, count=1).strip().lstrip("，,：:、 ")
    return text


def _with_context(context: str, question: str) -> str:
    # The joiner and a trailing comma belong to the message, not to the question.
    question = _unnumbered(_words().leading_joiner.sub("", question.strip()).rstrip(",，、 "))
    context = _unnumbered(context)  # "1、身份证下个月到期，还能用吗": the item opens with its statement
    if not context:
        return question
    separator = "" if _CJK.search(context[-1:]) or context.endswith(("，", "。", "；", "：")) else " "
    return f"{context}{separator}{question}"


def detail_phrases(text: str, residency: bool = True) -> str:
    """The details ``text`` names, in order, as a short preamble for a question ("Taiwanese,
    Fujian, individual:", "台湾人福建个人，"); empty when it names none.

    Args:
        text: Statements of the user's message.
        residency: Whether residencies ("Taiwanese") are among the details.
    """
    latin, chinese, usual, residencies = _detail_words()
    # Each pattern finds the longest phrase at a place and none inside another.
    found = [(m.start(), text[m.start():m.end()]) for m in latin.finditer(text.lower())]
    found += [(m.start(), m.group(0)) for m in chinese.finditer(text)]
    # Each once, where first named ("个人站长…个人还得…" is one detail), and in the usual word of
    # its kind: the classifier knows "外籍" far better than "泰国籍".
    phrases = list(dict.fromkeys(usual.get(phrase.lower(), phrase) for _, phrase in sorted(found)))
    if not residency:
        phrases = [phrase for phrase in phrases if phrase.lower() not in residencies]
    if not phrases:
        return ""
    return "".join(phrases) + "，" if _chinese(text) else ", ".join(phrases) + ":"


def announces_context(text: str) -> bool:
    """Whether ``text`` says it describes the user's case ("先说下情况：", "补充一下：", "Some
    context:"): a message that does and asks nothing gives details for what comes next."""
    return bool(_words().context_preface.search(text))


def context_preface_spans(text: str) -> List[Tuple[int, int]]:
    """Where ``text`` says it describes the user's case (:func:`announces_context`)."""
    return [match.span() for match in _words().context_preface.finditer(text)]


def offers_choice(text: str) -> bool:
    """Whether ``text`` offers a choice between two ("证件交护照还是居留许可", "passport or
    permit"), which asks without a question word."""
    return bool(_words().choice.search(text))


def asking_clauses(text: str) -> List[str]:
    """The clauses of a message that ask something (step 2 of the module doc), in order.

    "授权书盖好章了，传在哪一栏？" asks only "传在哪一栏？": what a question asks about is read
    here, not in the statements around it (:mod:`bot.core.aspects`).
    A condition right before the clause that asks is part of the question: "要是服务器买香港的，
    是不是就不用传这些资料了？" asks about a Hong Kong server; so are the clauses after it up to
    the question mark ending its sentence.
    """
    if not text or not text.strip():
        return []
    clauses = _clauses(text)
    asked = [clause.question or _conditions(clause, after) for clause, after in zip(clauses, clauses[1:] + (None,))]
    # So are the clauses after it up to the question mark that ends its sentence ("上海是不是不能
    # 用阿里云App核验，得下管局自己的App？").
    for i, clause in enumerate(clauses):
        if not clause.question:
            continue
        j = i + 1
        while j < len(clauses) and clauses[j].after_comma and not clauses[j].question \
                and not _words().alternative_start.match(clauses[j].text):  # "…，还是得等幕布寄到？" offers another answer
            j += 1
        last = clauses[j - 1].text.rstrip()
        if j > i + 1 and last.endswith(("?", "？")):
            asked[i + 1:j] = [True] * (j - i - 1)
    return [clause.text for clause, asks_it in zip(clauses, asked) if asks_it]
