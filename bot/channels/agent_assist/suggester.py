"""Suggested replies: the answers the bot would give, rendered as text for a support agent.

Suggesting never changes the customer's conversation: the tracker is only read, the message is
parsed without a tracker, and the tailored answers come from ``bot.core.tailoring`` on a copy
of the conversation's details.

A message that asks several things (intent ``compound_question``, see ``bot.nlu.compound``)
gets suggestions for every question, in order: up to ``k`` per question, each naming the
question it answers, with the details of the whole message applied to each.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from bot.channels.agent_assist.requests import DEFAULT_LANGUAGE, LANGUAGES
from bot.channels.plain import as_plain_text
from bot.core import tailoring
from bot.core.details import merged_details
from bot.core.parts import key as part_key
from bot.core.parts import name as part_name
from bot.core.parts import own_details, resolve
from bot.core.sources import message_source
from bot.core.questions import COMPOUND_INTENT, MAX_ANSWERED
from bot.core.suggest import agent_candidates
from bot.core.topics import Topic, load_topics
from bot.nlu.language import detect_language
from bot.rules.repository import RulesRepository

logger = logging.getLogger(__name__)

CHANNEL_NAME = "agent_assist"


@dataclass(frozen=True)
class Suggestion:
    """One suggested reply."""

    text: Text
    intent: Text
    confidence: float
    #: The FAQ section (heading, anchor), official page and, for province answers, the rules'
    #: date, with ``line``, the text form (:func:`bot.core.sources.message_source`).
    source: Optional[Dict[Text, Any]]
    #: The question of a compound message this answers (None: the whole message).
    question: Optional[Text] = None

    def as_json(self) -> Dict[Text, Any]:
        """The suggestion as sent to the console."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "source": self.source,
            "question": self.question,
        }


def customer_language(text: Text, slots: Mapping[Text, Any]) -> Text:
    """The language to answer in: the message's, else the conversation's, else English."""
    language = detect_language(text) or slots.get("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def questions_of(
    parse: Mapping[Text, Any]
) -> List[Tuple[Optional[Text], List[Any], Dict[Text, Text]]]:
    """(question text, intent ranking, the question's own details) per question to suggest
    for, in order.

    The whole message (question None, no details of its own) unless it is a compound message;
    then each of its questions as the reply sees them (:mod:`bot.core.parts`: a bare "what
    about foreigners?" asks the question before it), at most
    :data:`~bot.core.questions.MAX_ANSWERED`, each question once, without the parts that only
    give details.
    """
    parts = parse.get("compound") or []
    if (parse.get("intent") or {}).get("name") != COMPOUND_INTENT or not parts:
        return [(None, list(parse.get("intent_ranking") or []), {})]
    picked: List[Tuple[Optional[Text], List[Any], Dict[Text, Text]]] = []
    seen = set()
    for part in resolve(parts):
        if part_name(part) == "inform" or part_key(part) in seen:
            continue
        seen.add(part_key(part))
        ranking = list(part.get("intent_ranking") or [])
        if part.get("follow_up"):
            # Asked for the question before: that question's topic, for this part's details.
            ranking = [{"name": part_name(part), "confidence": 1.0}]
        picked.append((part.get("asked") or part.get("text"), ranking, own_details(part)))
        if len(picked) == MAX_ANSWERED:
            break
    return picked


class Suggester:
    """Ranks and renders suggested replies with a running Rasa agent."""

    def __init__(
        self,
        repository: Optional[RulesRepository] = None,
        topics: Optional[Mapping[Text, Topic]] = None,
    ) -> None:
        """Creates the suggester.

        Args:
            repository: The rules database that tailors answers; the process-wide one
                (``RULES_DB_URL``) by default, created on first use.
            topics: Answerable intents; data/topics.yml by default.
        """
        self._repository = repository
        self.topics = topics if topics is not None else load_topics()

    @property
    def repository(self) -> RulesRepository:
        """The injected repository, or the process-wide one."""
        if self._repository is None:
            self._repository = RulesRepository()
        return self._repository

    async def suggest(
        self, agent: Any, text: Text, sender_id: Optional[Text], k: int
    ) -> Tuple[Text, List[Suggestion]]:
        """Suggests up to ``k`` replies to ``text``.

        Args:
            agent: The running agent (``parse_message``, ``tracker_store``, ``nlg``).
            text: The customer's message.
            sender_id: The customer's conversation, whose details tailor the answers.
            k: How many suggestions at most.

        Returns:
            The customer's language and the suggestions, best first.
        """
        # Parsed without the conversation's tracker, so nothing is written to it. This runs
        # the NLU graph on the event loop, as Rasa itself does for every message: it is short
        # (the text is at most MAX_TEXT_CHARS) and Rasa's graph is not meant to be run from
        # several threads at once.
        parse = await agent.parse_message(text)
        slots = await self._conversation_slots(agent, sender_id)
        language = customer_language(text, slots)
        details = merged_details(slots, parse.get("entities") or [])
        suggestions: List[Suggestion] = []
        for question, ranking, own in questions_of(parse):
            found = 0
            for intent, confidence in agent_candidates(ranking, self.topics):
                answer = await self.answer(
                    agent.nlg, intent, parse, {**details, **own}, language, sender_id
                )
                # An answer that renders empty (a response missing from the domain) is skipped,
                # and the next intent takes its place.
                if answer:
                    source = self.source(intent, language)
                    suggestions.append(Suggestion(answer, intent, confidence, source, question))
                    found += 1
                if found == k:
                    break
        return language, suggestions

    async def answer(
        self,
        nlg: Any,
        intent: Text,
        parse: Mapping[Text, Any],
        details: Mapping[Text, Any],
        language: Text,
        sender_id: Optional[Text] = None,
    ) -> Text:
        """Renders the answer to ``intent`` as plain text (messages separated by a blank line).

        Tailored when the details suffice; otherwise, and when the rules database fails, the
        topic's general answer (an agent needs an answer, not the bot's question for a detail).
        """
        slots = {"language": language, **details}
        general = ((self.topics[intent].general, {}),)
        try:
            answer = tailoring.answer(intent, details, self.repository, may_ask=False)
            replies = general if answer.rules_unavailable else answer.messages()
        except Exception:  # a bug in tailoring must cost the tailoring, not the suggestion
            logger.exception("Tailoring %s failed; suggesting the general answer", intent)
            replies = general
        texts = []
        for response, values in replies:
            message = nlg.generate_from_slots(response, slots, CHANNEL_NAME, **values)
            text = as_plain_text(message) if message else ""
            if text:
                texts.append(text)
        return "\n\n".join(texts)

    def source(self, intent: Text, language: Text) -> Optional[Dict[Text, Any]]:
        """Where the answer to ``intent`` comes from, in the customer's language.

        Answers tailored by province also name the date the rules are valid as of.
        """
        message: Dict[Text, Any] = {"utter_action": self.topics[intent].general}
        if intent in tailoring.TAILORED:
            try:
                valid_as_of = self.repository.valid_as_of()
            except Exception:  # the date is a detail: the source stands without it
                logger.exception("Rules database unavailable for the rules' date")
                valid_as_of = None
            if valid_as_of is not None:
                message["rules_valid_as_of"] = valid_as_of.isoformat()
        return message_source(message, language)

    @staticmethod
    async def _conversation_slots(agent: Any, sender_id: Optional[Text]) -> Dict[Text, Any]:
        """The stored conversation's slot values (read only; {} when unknown or unreachable)."""
        if not sender_id:
            return {}
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:  # without the store we can still suggest untailored answers
            logger.exception("Tracker store unavailable; suggesting without conversation details")
            return {}
        return tracker.current_slot_values() if tracker else {}
