"""One reply to a message that asks several things: each question answered, in order.

The NLU (:mod:`bot.nlu.compound`) hands over the message's questions ("parts"), each with its
intent, confidence, ranking and whether it clears the fallback gate. This module decides what to
say for each:

- a confident FAQ question: its answer from :func:`bot.core.tailoring.answer`, tailored by the
  details of the *whole* message and the conversation (slots are filled from every entity of the
  message before the action runs), or the topic's general answer (``data/topics.yml``);
- a confident question outside the FAQ (``icp_other``, ``out_of_scope``, small talk): that
  intent's usual reply, once;
- an unclear part (below the fallback gate): never a guess; a line quoting the part, with
  "did you mean" buttons for its most likely topics and a human agent;
- a part that only gives details (``inform``): nothing, its details already apply to the rest;
- a confident request for a human agent: no words of its own, but ``handoff`` is set, and the
  action hands the conversation over after the other answers (the handoff's own reply says
  so), so "…传不上去 能不能给我转个人工" gets the answer and the agent, not a promise alone.

At most :data:`~bot.core.questions.MAX_ANSWERED` questions are answered, then a line says the
rest must be asked again. At most one clarifying question per message: the first question whose
answer needs a missing detail asks for it *at the end* of the reply (the user answers the last
thing they read; the answer resumes that topic through ``pending_topic``); later ones get their
general answer. Two parts with the same intent and the same details of their own are answered
once; each part is answered for the details it names itself, then the message's and the
conversation's (:mod:`bot.core.parts`).

Rasa-free: the action (``actions/compound.py``) only reads the tracker and utters the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.core import tailoring
from bot.core.list_request import wants_list
from bot.core.parts import key as part_key
from bot.core.parts import own_details, resolve
from bot.core.questions import COMPOUND_INTENT, MAX_ANSWERED
from bot.core.suggest import MAX_DID_YOU_MEAN, ranked_topics
from bot.core.topics import Topic, load_topics
from bot.rules.repository import RulesRepository

UNCLEAR_PART = "utter_compound_unclear_part"
MORE_THAN_MAX = "utter_compound_more_than_max"
#: Parts with these intents add nothing to the reply.
SILENT_INTENTS = frozenset({"inform", "greet"})
HANDOFF = "human_handoff"
#: Template values the responses above are given: an example value of each.
PLACEHOLDERS = {"part": "<question>", "max_answered": str(MAX_ANSWERED)}


@dataclass(frozen=True)
class Utterance:
    """One message of the reply: a domain response, its template values and buttons."""

    response: str
    values: Mapping[str, Any] = field(default_factory=dict)
    buttons: Tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class CompoundReply:
    """What to say, and what the conversation must remember.

    Attributes:
        utterances: The messages, in order.
        topics: The intents answered (or asked about), in order.
        ask: (topic, detail) of the one clarifying question, or None.
        last_topic: The last tailored topic answered (re-answered when a detail changes).
        handoff: Whether a question asked for a human agent: the caller hands over after
            uttering the rest (``actions/handoff.py``), and asks for no detail.
    """

    utterances: Tuple[Utterance, ...]
    topics: Tuple[str, ...] = ()
    ask: Optional[Tuple[str, str]] = None
    last_topic: Optional[str] = None
    handoff: bool = False


def _name(part: Mapping[str, Any]) -> Optional[str]:
    return (part.get("intent") or {}).get("name")


def unclear_buttons(
    part: Mapping[str, Any], topics: Mapping[str, Topic], language: str
) -> Tuple[Dict[str, str], ...]:
    """"Did you mean" buttons for one unclear part: its likeliest topics, then a human agent."""
    buttons = [
        {"title": topic.title(language) or topic.intent, "payload": f"/{topic.intent}"}
        for topic, _ in ranked_topics(part.get("intent_ranking") or [], topics)[:MAX_DID_YOU_MEAN]
    ]
    if HANDOFF in topics:
        buttons.append({"title": topics[HANDOFF].title(language) or HANDOFF, "payload": f"/{HANDOFF}"})
    return tuple(buttons)


def answer_parts(
    parts: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    repository: RulesRepository,
    asked: Sequence[str] = (),
    language: str = "en",
    topics: Optional[Mapping[str, Topic]] = None,
) -> CompoundReply:
    """The reply to a message's questions (see the module doc).

    Args:
        parts: The NLU's parts (``text``, ``intent``, ``intent_ranking``, ``entities``,
            ``confident``), in message order.
        values: The applicant's details (slot values, already including the whole message's).
        repository: The rules database.
        asked: Details already asked for in this conversation (never asked twice).
        language: The user's language, for button titles.
        topics: The answerable intents (``data/topics.yml`` by default).
    """
    topics = topics if topics is not None else load_topics()
    utterances: List[Utterance] = []
    answered: List[str] = []
    ask: Optional[Tuple[str, str]] = None
    last_topic: Optional[str] = None
    questions = [p for p in resolve(parts) if _name(p) not in SILENT_INTENTS or not p.get("confident")]
    # A question for a detail would go to nobody once the agent takes over: each answer is then
    # the general one where the detail is missing.
    handoff = any(p.get("confident") and _name(p) == HANDOFF for p in questions[:MAX_ANSWERED])
    counted = 0
    seen: List[Any] = []
    for part in questions:
        name = _name(part)
        if part.get("confident") and part_key(part) in seen:
            continue  # the same thing asked twice ("how do I sign, do I need a fingerprint?")
        seen.append(part_key(part))
        if counted == MAX_ANSWERED:
            utterances.append(Utterance(MORE_THAN_MAX, {"max_answered": MAX_ANSWERED}))
            break
        counted += 1
        if not part.get("confident") or name not in topics:
            utterances.append(
                Utterance(
                    UNCLEAR_PART,
                    # Quoted as the user wrote it, not with the context added to classify it.
                    {"part": (part.get("asked") or part.get("text") or "").strip()},
                    unclear_buttons(part, topics, language),
                )
            )
            continue
        if name not in answered:
            answered.append(name)
        if name == HANDOFF:
            continue
        listing = wants_list(part.get("text") or "", part.get("entities") or [])
        # The details the question names itself win over the rest of the message's
        # ("what do Macao residents upload, ... and what about foreigners?").
        result = tailoring.answer(
            name, {**values, **own_details(part)}, repository, asked, may_ask=ask is None and not handoff,
            wants_list=listing,
        )
        if result.ask:
            ask = (name, result.ask)
            continue
        utterances.extend(Utterance(r, v) for r, v in result.messages())
        if result.offer and ask is None and not handoff:
            ask = (name, result.offer)
        if name in tailoring.TAILORED:
            last_topic = name
    if ask is not None and ask[1] not in asked and not _offered(utterances):
        utterances.append(Utterance(f"utter_ask_{ask[1]}"))
    return CompoundReply(tuple(utterances), tuple(answered), ask, last_topic, handoff)


def _offered(utterances: Sequence[Utterance]) -> bool:
    """Whether a list answer already ended with its offer to check the user's province."""
    return any(u.response == tailoring.OFFER_PROVINCE_CHECK for u in utterances)


def _general(topic: Topic) -> str:
    """The response a topic gets without its action (``offline`` in data/topics.yml, else
    ``general``): "I've asked an agent to join" is false when the handoff cannot run."""
    return topic.offline or topic.general


def general_responses(parse: Mapping[str, Any], topics: Mapping[str, Topic]) -> List[str]:
    """The general answers to a parsed message, for when no action can answer it.

    One per confident question of a compound message (in order, each topic once, at most
    :data:`~bot.core.questions.MAX_ANSWERED`); otherwise the general answer of the message's
    intent; a topic's ``offline`` response where it has one (the handoff: without its action
    nobody is asked to join). Empty when the intent has no topic.
    """
    name = (parse.get("intent") or {}).get("name")
    if name != COMPOUND_INTENT:
        topic = topics.get(name or "")
        return [_general(topic)] if topic else []
    picked: List[str] = []
    for part in parse.get("compound") or []:
        topic = topics.get(_name(part) or "")
        if not part.get("confident") or topic is None or topic.intent in SILENT_INTENTS:
            continue
        if _general(topic) not in picked:
            picked.append(_general(topic))
        if len(picked) == MAX_ANSWERED:
            break
    return picked
