"""What each question of a compound message asks: its intent and its own details.

A message's questions ("parts", :mod:`bot.nlu.compound`) may ask the same thing for different
details: "What do Macao residents upload as ID, what do Taiwanese residents upload, and what
about foreigners?" asks one topic three times, once per residency. Each part is then a question
of its own, answered for its own details; two parts are the same question only when both the
intent and the details they name are the same. A bare follow-up inside the message ("what about
foreigners?", classified ``inform`` because it only names a detail) asks the question before it
again, for its detail.

Rasa-free: used by the NLU (whether a message asks several things) and by the reply
(:mod:`bot.core.compound`), so both see the same questions.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.core.details import DETAIL_ENTITIES
from bot.core.questions import asks, asks_the_same_again, names_a_detail, names_nothing_of_its_own
from bot.core.suggest import ICP_OTHER, OUT_OF_SCOPE

INFORM = "inform"
#: Answers that decline a question: a bare question right after one of them asks about the
#: same declined subject ("公安备案要在多少天内办？要准备啥" asks what the PSB filing needs).
DECLINED = (OUT_OF_SCOPE, ICP_OTHER)
#: ...unless it is itself clearly a question of its own ("And what should she wear for it?"
#: after a declined question about doing the face check from another city).
CLEARLY_ITS_OWN = 0.6


def name(part: Mapping[str, Any]) -> Optional[str]:
    """The part's intent name."""
    return (part.get("intent") or {}).get("name")


def own_details(part: Mapping[str, Any]) -> Dict[str, str]:
    """The applicant's details the part itself names (province, applicant type, residency)."""
    return {
        str(e["entity"]): str(e["value"])
        for e in part.get("entities") or []
        if e.get("entity") in DETAIL_ENTITIES and e.get("value")
    }


def key(part: Mapping[str, Any]) -> Tuple[Optional[str], Tuple[Tuple[str, str], ...]]:
    """What makes two parts the same question: intent and own details."""
    return name(part), tuple(sorted(own_details(part).items()))


def resolve(parts: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The parts, with each bare follow-up ("what about foreigners?") turned into the question
    before it, asked for the follow-up's details.

    Only a confident ``inform`` part that asks (a question form) and names a detail, after a
    confident question, is turned; a question that names a detail and otherwise only asks the
    same again ("新疆也一样吗", "Same for Macao?": :func:`bot.core.questions.asks_the_same_again`);
    and a bare question (it names none of the FAQ's things and no
    detail: "要准备啥", "how soon after?") right after a declined one, which asks about the
    declined subject unless it is clearly a question of its own (:data:`CLEARLY_ITS_OWN`).
    Other parts are returned as they are.
    """
    resolved: List[Dict[str, Any]] = []
    previous: Optional[Dict[str, Any]] = None
    for part in parts:
        part = dict(part)
        if previous is not None and _asks_again(part, previous):
            part["intent"] = {**(part.get("intent") or {}), "name": name(previous)}
            part["confident"] = True
            part["follow_up"] = True
        resolved.append(part)
        if part.get("confident") and name(part) != INFORM:
            previous = part
    return resolved


def _asks_again(part: Mapping[str, Any], previous: Mapping[str, Any]) -> bool:
    """Whether ``part`` asks the (confident) question before it again (:func:`resolve`)."""
    if name(part) == INFORM and part.get("confident") and own_details(part) and asks(part.get("text") or ""):
        return True  # "what about foreigners?": only details, in a question form
    if asks_the_same_again(_asked(part)):
        return True  # "新疆也一样吗", "Same for Macao?": for this part's details
    # "要准备啥" after a declined question: about the declined subject.
    return name(previous) in DECLINED and _bare(part) and _confidence(part) < CLEARLY_ITS_OWN


def _bare(part: Mapping[str, Any]) -> bool:
    """Whether the question, with the context the splitter gave it, names none of the FAQ's
    things (the app and uploading are no things of their own) and no detail."""
    text = str(part.get("text") or "")
    return bool(text.strip()) and names_nothing_of_its_own(text) and not names_a_detail(text)


def _asked(part: Mapping[str, Any]) -> str:
    return str(part.get("asked") or part.get("text") or "")


def _confidence(part: Mapping[str, Any]) -> float:
    return float((part.get("intent") or {}).get("confidence") or 0.0)
