"""Answers every question of a compound message in one reply (logic: ``bot.core.compound``)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RulesAction, answer_details
from bot.core.compound import answer_parts


class ActionAnswerQuestions(RulesAction):
    """Triggered by the intent ``compound_question`` (set by ``bot.nlu.compound``).

    The parts come from the parse data (``compound``); the details are the slots, which Rasa
    has already filled from every entity of the message, so a province or residency given in one
    sentence applies to each question.
    """


    def name(self) -> Text:
        """Action name."""
        return "action_answer_questions"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Utters each part's answer in order; remembers the one detail asked for, if any, and
        hands over to a human agent when a part asked for one."""
        parts = (tracker.latest_message or {}).get("compound") or []
        asked = list(tracker.get_slot("asked_details") or [])
        values, cleared = answer_details(tracker)
        reply = answer_parts(
            parts,
            values,
            self.repository,
            asked,
            language=tracker.get_slot("language") or "en",
        )
        for utterance in reply.utterances:
            dispatcher.utter_message(
                response=utterance.response, buttons=list(utterance.buttons), **utterance.values
            )
        events: List[EventType] = list(cleared)
        if reply.ask is not None:
            topic, detail = reply.ask
            events += [SlotSet("pending_topic", topic), SlotSet("asked_details", asked + [detail])]
        else:
            events.append(SlotSet("pending_topic", None))
        if reply.last_topic is not None:
            events.append(SlotSet("last_topic", reply.last_topic))
        if reply.handoff:
            # After the answers, as asked: the handoff action tells the user and pauses the bot.
            events.append(FollowupAction("action_handoff"))
        return events
