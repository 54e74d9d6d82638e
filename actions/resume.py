"""Routes a bare detail ("Liaoning", "actually I'm in Hunan", "individual") back to its topic."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RulesAction
from actions.checklist import ActionChecklist
from actions.tailored import TAILORED_ACTIONS
from bot.core import tailoring
from bot.core.details import DETAIL_ENTITIES
from bot.rules.repository import RulesRepository


class ActionResumeTopic(RulesAction):
    """Answers the pending topic (we asked for this detail) or re-answers the last one.

    When the user changes a detail later ("actually I'm in Hunan"), the last tailored answer
    is given again for the new details. With no topic yet, the details themselves decide the
    answer (:func:`bot.core.tailoring.details_only_topics`): residency -> which ID to upload,
    a province -> its rules in short, an applicant type -> how to sign. A message that names
    no detail ("补充一下") and answers no pending question is acknowledged and asked to go on.
    """

    def __init__(self, repository: Optional[RulesRepository] = None) -> None:
        """Creates the action; ``repository`` is handed to the topic actions."""
        super().__init__(repository)
        self._by_topic: Dict[str, Action] = {
            cls.topic: cls(repository) for cls in TAILORED_ACTIONS
        }
        # The checklist asks its details one by one: each reply comes back through here.
        self._by_topic[ActionChecklist.topic] = ActionChecklist(repository)

    def name(self) -> Text:
        """Action name."""
        return "action_resume_topic"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Delegates to the topic's action, or answers what the details decide."""
        pending = tracker.get_slot("pending_topic")
        if not pending and not self._named(tracker):
            # "补充一下", "Some context:": the user has more to say and has given nothing yet;
            # the last answer again, or a summary of older details, would only be noise.
            dispatcher.utter_message(response="utter_noted_details")
            return []
        topic = pending or tracker.get_slot("last_topic")
        action = self._by_topic.get(topic) if topic else None
        if action is not None:
            return await action.run(dispatcher, tracker, domain)
        return await self._answer_details(dispatcher, tracker, domain)

    @staticmethod
    def _named(tracker: Tracker) -> List[Text]:
        """The details the latest message names."""
        entities = (tracker.latest_message or {}).get("entities") or []
        return [e.get("entity") for e in entities if e.get("entity") in DETAIL_ENTITIES]

    async def _answer_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        topics = tailoring.details_only_topics(self._named(tracker))
        if not topics:
            dispatcher.utter_message(response="utter_noted_details")
            return []
        events: List[EventType] = []
        for topic in topics:
            if topic == tailoring.PROVINCE_SUMMARY:
                values = {name: tracker.get_slot(name) for name in DETAIL_ENTITIES}
                repository = self.repository
                answer = tailoring.province_summary_answer(values, repository)
                for response, template_values in answer.messages():
                    dispatcher.utter_message(response=response, **template_values)
            else:
                events += await self._by_topic[topic].run(dispatcher, tracker, domain)
        return events
