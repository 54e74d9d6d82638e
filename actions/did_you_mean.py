"""Low-confidence answer: offer the 2-3 most likely topics as buttons, then a human agent."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.topics import load_topics

MAX_SUGGESTIONS = 3
# Intents too unlikely to be worth a button: a suggestion list of long shots confuses more
# than it helps.
MIN_CONFIDENCE = 0.05
# Not worth suggesting: they are not questions about the FAQ.
NOT_SUGGESTED = {"nlu_fallback", "out_of_scope", "inform", "greet", "goodbye", "thanks"}


class ActionDidYouMean(Action):
    """Triggered by ``nlu_fallback``: the classifier's best guesses as buttons."""

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
