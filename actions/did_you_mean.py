"""Low-confidence answer: offer the 2-3 most likely topics as buttons, then a human agent."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.resume import ActionResumeTopic
from bot.core.details import names_a_detail
from bot.core.handoff import last_fallback_streak
from bot.core.suggest import MAX_DID_YOU_MEAN, ranked_topics
from bot.core.topics import load_topics
from bot.rules.repository import RulesRepository


class ActionDidYouMean(Action):
    """Triggered by ``nlu_fallback``: the classifier's best guesses as buttons.

    An unclear message that names a detail right after a tailored answer ("what about someone
    from Macau?", "and for Hunan?") is a follow-up: it re-answers that topic for the new
    detail instead of offering suggestions.

    The second message in a row the bot does not understand hands the conversation to a human
    agent instead: a third guess would only frustrate.
    """

    #: Messages in a row not understood before a human agent takes over.
    HANDOFF_AFTER = 2

    def __init__(
        self,
        repository: Optional[RulesRepository] = None,
        handoff: Optional[ActionHandoff] = None,
    ) -> None:
        """Creates the action; ``repository`` is used for follow-up answers, ``handoff`` after
        the second message in a row not understood."""
        self._resume = ActionResumeTopic(repository)
        self._handoff = handoff or ActionHandoff()

    def name(self) -> Text:
        """Action name."""
        return "action_did_you_mean"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Utters the suggestions as buttons (titles in the user's language).

        The unclear message is kept (not reverted): it set the language slot, which the
        button payloads do not carry.
        """
        entities = tracker.latest_message.get("entities") or []
        in_topic = tracker.get_slot("pending_topic") or tracker.get_slot("last_topic")
        if in_topic and names_a_detail(entities):
            return await self._resume.run(dispatcher, tracker, domain)
        if last_fallback_streak(tracker.events) >= self.HANDOFF_AFTER:
            return await self._handoff.run(dispatcher, tracker, domain)

        language = tracker.get_slot("language") or "en"
        topics = load_topics()
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = [
            {"title": topic.title(language), "payload": f"/{topic.intent}"}
            for topic, _ in ranked_topics(ranking, topics)[:MAX_DID_YOU_MEAN]
        ]
        handoff = topics["human_handoff"]
        buttons.append({"title": handoff.title(language), "payload": "/human_handoff"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []
