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
from bot.core.questions import asks

INFORM = "inform"


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
    confident question, is turned; other parts are returned as they are.
    """
    resolved: List[Dict[str, Any]] = []
    previous: Optional[Dict[str, Any]] = None
    for part in parts:
        part = dict(part)
        if (
            name(part) == INFORM and part.get("confident") and previous is not None
            and own_details(part) and asks(part.get("text") or "")
        ):
            part["intent"] = {**(part.get("intent") or {}), "name": name(previous)}
            part["follow_up"] = True
        resolved.append(part)
        if part.get("confident") and name(part) != INFORM:
            previous = part
    return resolved
