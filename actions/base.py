"""The rasa-sdk side of tailored answers: slots in, ``bot.core.tailoring`` decides, responses out.

1. Read the applicant's details from the slots; :func:`bot.core.tailoring.answer` looks the
   province up in the rules repository and names the responses.
2. If a detail the answer depends on is missing, ask for it **once** (a question with buttons)
   and remember the topic in ``pending_topic``; the reply (intent ``inform``) is routed back by
   ``action_resume_topic``. A user who ignores the question gets the general answer next time.
3. If the rules database is unavailable, say so and give the general answer (never silence).

The repository is injected (``ActionX(repository=...)``) so tests can use a throwaway SQLite;
rasa-sdk instantiates actions without arguments, which selects the process-wide repository.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.core import tailoring
from bot.core.details import DETAIL_ENTITIES, answer_values, unsettled
from bot.core.list_request import wants_list
from bot.rules.repository import RulesRepository

_default_repository: Optional[RulesRepository] = None


def default_repository() -> RulesRepository:
    """Returns the process-wide repository (engine from ``RULES_DB_URL``), created lazily."""
    global _default_repository
    if _default_repository is None:
        _default_repository = RulesRepository()
    return _default_repository


def answer_details(tracker: Tracker) -> Tuple[Dict[Text, Any], List[EventType]]:
    """The details an answer to the latest message is tailored to, and the events that clear
    the slots of details it named with two values (:func:`bot.core.details.unsettled`)."""
    entities = (tracker.latest_message or {}).get("entities") or []
    values = answer_values({name: tracker.get_slot(name) for name in DETAIL_ENTITIES}, entities)
    return values, [SlotSet(name, None) for name in sorted(unsettled(entities))]


class RulesAction(Action, metaclass=ABCMeta):
    """An action that reads the rules database, injected so tests can swap it.

    Abstract (rasa-sdk registers only concrete actions): subclasses name themselves.
    """

    def __init__(self, repository: Optional[RulesRepository] = None) -> None:
        """Creates the action.

        Args:
            repository: Rules source; the process-wide default when omitted.
        """
        self._repository = repository

    @property
    def repository(self) -> RulesRepository:
        """The injected repository, or the process-wide default."""
        return self._repository or default_repository()

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""


class TailoredAction(RulesAction):
    """Answers one topic of :data:`bot.core.tailoring.TAILORED` from the rules database.

    Abstract until a subclass names its ``topic``: rasa-sdk registers every concrete Action.
    """

    @property
    @abstractmethod
    def topic(self) -> Text:
        """The intent this action answers (also the value stored in ``pending_topic``)."""

    def name(self) -> Text:
        """Action name: ``action_<topic>``."""
        return f"action_{self.topic}"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Answers the topic, asks for a missing detail, or falls back to general guidance."""
        asked = list(tracker.get_slot("asked_details") or [])
        message = tracker.latest_message or {}
        values, cleared = answer_details(tracker)
        listing = wants_list(message.get("text") or "", message.get("entities") or [])
        answer = tailoring.answer(self.topic, values, self.repository, asked, wants_list=listing)
        if answer.ask:
            dispatcher.utter_message(response=f"utter_ask_{answer.ask}")
            return cleared + [
                SlotSet("pending_topic", self.topic),
                SlotSet("asked_details", asked + [answer.ask]),
            ]
        for response, values in answer.messages():
            dispatcher.utter_message(response=response, **values)
        if answer.offer:
            # The list ends with an offer to check the user's province: its reply resumes here.
            return cleared + [
                SlotSet("pending_topic", self.topic),
                SlotSet("last_topic", self.topic),
                SlotSet("asked_details", asked + [answer.offer]),
            ]
        return cleared + [SlotSet("pending_topic", None), SlotSet("last_topic", self.topic)]
