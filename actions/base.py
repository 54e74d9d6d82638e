"""Shared machinery of the province-tailored actions.

Every tailored action follows the same contract:

1. Read the applicant's details (province, applicant type, residency) from the slots and look
   the province up in the rules repository.
2. If a detail the answer really depends on is missing, ask for it **once** (a question with
   buttons) and remember the topic in ``pending_topic``; the reply (intent ``inform``) is routed
   back by ``action_resume_topic``. If the user ignores the question, the next time they ask we
   give the general answer instead of asking again.
3. Otherwise utter the domain responses the topic module chose. Text never lives here: a module
   only names responses and passes the province names to fill them. Every reply also gets the
   province lists of ``bot.core.provinces_text`` (``{app_provinces_en}`` ...) and the date the
   rules are valid as of (``{rules_valid_as_of}``), so no response has to type a province list.
4. If the rules database is unavailable, say so and give the general answer (never silence).

The repository is injected (``ActionX(repository=...)``) so tests can use a throwaway SQLite;
rasa-sdk instantiates actions without arguments, which selects the process-wide repository.
"""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.core.provinces_text import VALID_AS_OF_VARIABLE, province_list_values
from bot.rules.repository import ProvinceInfo, RulesRepository, RulesUnavailable

logger = logging.getLogger(__name__)

_default_repository: Optional[RulesRepository] = None


def default_repository() -> RulesRepository:
    """Returns the process-wide repository (engine from ``RULES_DB_URL``), created lazily."""
    global _default_repository
    if _default_repository is None:
        _default_repository = RulesRepository()
    return _default_repository


@dataclass(frozen=True)
class Details:
    """What we know about the applicant, with the province resolved from the database."""

    province: Optional[ProvinceInfo]
    applicant_type: Optional[Text]
    residency: Optional[Text]

    def rule(self, topic: Text) -> Optional[Text]:
        """Returns the value of the province's rule for ``topic`` (None without province)."""
        if self.province is None:
            return None
        rule = self.province.rules.get(topic)
        return rule.value if rule else None


@dataclass
class Reply:
    """One domain response to utter, with the template values it needs."""

    response: Text
    values: Dict[Text, Any] = field(default_factory=dict)


def province_values(province: ProvinceInfo) -> Dict[Text, Text]:
    """Template values for ``{province_en}`` / ``{province_zh}`` in responses."""
    return {"province_en": province.name_en, "province_zh": province.name_zh}


def for_province(response: Text, province: ProvinceInfo) -> Reply:
    """A reply naming the province."""
    return Reply(response, province_values(province))


class TailoredAction(Action, metaclass=ABCMeta):
    """Base class of the actions that answer from the province-rules database."""

    #: The intent this action answers (also the value stored in ``pending_topic``).
    topic: ClassVar[Text]
    #: The response that answers the topic without any details (see data/topics.yml). The
    #: channels send it when the action server or the database is down, so it names no province.
    general_response: ClassVar[Text]
    #: The general answer naming the provinces from the database, used instead of
    #: ``general_response`` whenever the database answers (None: the general answer needs none).
    listed_response: ClassVar[Optional[Text]] = None

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

    def name(self) -> Text:
        """Action name: ``action_<topic>``."""
        return f"action_{self.topic}"

    def general_reply(self) -> Reply:
        """The answer without details: the listed variant when there is one."""
        return Reply(self.listed_response or self.general_response)

    def missing_detail(self, details: Details) -> Optional[Text]:
        """Names the detail (slot) without which no tailored answer is possible.

        Returns:
            ``"province"`` or ``"applicant_type"``, or None when the action can answer.
        """
        return None

    @abstractmethod
    def replies(self, details: Details) -> List[Reply]:
        """Chooses the responses that answer the topic for these details."""

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Answers the topic, asks for a missing detail, or falls back to general guidance."""
        try:
            details = self.details(tracker)
            missing = self.missing_detail(details)
            asked = list(tracker.get_slot("asked_details") or [])
            if missing and missing not in asked:
                dispatcher.utter_message(response=f"utter_ask_{missing}")
                return [
                    SlotSet("pending_topic", self.topic),
                    SlotSet("asked_details", asked + [missing]),
                ]
            replies = self.replies(details) if not missing else [self.general_reply()]
            values = self.database_values()
        except RulesUnavailable:
            logger.exception("Rules database unavailable while answering %s", self.topic)
            replies = [Reply("utter_rules_unavailable"), Reply(self.general_response)]
            values = {}
        for reply in replies:
            dispatcher.utter_message(response=reply.response, **{**values, **reply.values})
        return [SlotSet("pending_topic", None), SlotSet("last_topic", self.topic)]

    def database_values(self) -> Dict[Text, Any]:
        """Template values every reply may use: the province lists and the rules' date.

        Raises:
            RulesUnavailable: the database cannot be queried.
        """
        values: Dict[Text, Any] = province_list_values(self.repository.provinces())
        valid_as_of = self.repository.valid_as_of()
        if valid_as_of is not None:
            values[VALID_AS_OF_VARIABLE] = valid_as_of.isoformat()
        return values

    def details(self, tracker: Tracker) -> Details:
        """Reads the applicant's details from the slots.

        Raises:
            RulesUnavailable: the database cannot be queried.
        """
        key = tracker.get_slot("province")
        province = self.repository.province(key) if key else None
        return Details(
            province=province,
            applicant_type=tracker.get_slot("applicant_type"),
            residency=tracker.get_slot("residency"),
        )
