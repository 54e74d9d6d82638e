"""Routes a bare detail ("Liaoning", "actually I'm in Hunan", "individual") back to its topic."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.tailored import TAILORED_ACTIONS
from bot.rules.repository import RulesRepository


class ActionResumeTopic(Action):
    """Answers the pending topic (we asked for this detail) or re-answers the last one.

    When the user changes a detail later ("actually I'm in Hunan"), the last tailored answer
    is given again for the new details. With no topic yet, we acknowledge and offer topics.
    """

    def __init__(self, repository: Optional[RulesRepository] = None) -> None:
        """Creates the action; ``repository`` is handed to the topic actions."""
        self._by_topic = {cls.topic: cls(repository) for cls in TAILORED_ACTIONS}

    def name(self) -> Text:
        """Action name."""
        return "action_resume_topic"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Delegates to the topic's action, or acknowledges the detail."""
        topic = tracker.get_slot("pending_topic") or tracker.get_slot("last_topic")
        action = self._by_topic.get(topic) if topic else None
        if action is None:
            dispatcher.utter_message(response="utter_noted_details")
            return []
        return await action.run(dispatcher, tracker, domain)
