"""Low-confidence answer: offer the 2-3 most likely topics as buttons, then a human agent."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.resume import ActionResumeTopic
from actions.topics import load_topics
from bot.rules.repository import RulesRepository

MAX_SUGGESTIONS = 3
# Intents too unlikely to be worth a button: a suggestion list of long shots confuses more
# than it helps.
MIN_CONFIDENCE = 0.05
# Not worth suggesting: they are not questions about the FAQ.
# human_handoff is always offered last, so it is not suggested twice.
NOT_SUGGESTED = {
    "nlu_fallback", "out_of_scope", "inform", "greet", "goodbye", "thanks", "human_handoff",
}
DETAIL_ENTITIES = {"province", "applicant_type", "residency"}


class ActionDidYouMean(Action):
    """Triggered by ``nlu_fallback``: the classifier's best guesses as buttons.

    An unclear message that names a detail right after a tailored answer ("what about someone
    from Macau?", "and for Hunan?") is a follow-up: it re-answers that topic for the new
    detail instead of offering suggestions.
    """

    def __init__(self, repository: Optional[RulesRepository] = None) -> None:
        """Creates the action; ``repository`` is used for follow-up answers."""
        self._resume = ActionResumeTopic(repository)

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
        if in_topic and any(e.get("entity") in DETAIL_ENTITIES for e in entities):
            return await self._resume.run(dispatcher, tracker, domain)

        language = tracker.get_slot("language") or "en"
        topics = load_topics()
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = []
        for candidate in ranking:
            name = candidate.get("name")
            topic = topics.get(name)
            if (
                topic is None
                or name in NOT_SUGGESTED
                or (candidate.get("confidence") or 0.0) < MIN_CONFIDENCE
                or topic.title(language) is None
            ):
                continue
            buttons.append({"title": topic.title(language), "payload": f"/{name}"})
            if len(buttons) == MAX_SUGGESTIONS:
                break
        handoff = topics["human_handoff"]
        buttons.append({"title": handoff.title(language), "payload": "/human_handoff"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []
