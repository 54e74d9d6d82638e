"""The personal document checklist in the chat: asks what it does not know, then lists it all.

A new request that needs questions is first answered with the general list (the documents every
filing uploads), so the user has an answer before any question.

Thin over :mod:`bot.core.checklist`: each detail the checklist needs (applicant type, province,
residency, domain count, Alibaba Cloud registration, app preference) is asked **once**, with
buttons, only while no message of the conversation gave it; a message that gives everything at
once is answered at once. The reply to a question (intent ``inform``) comes back here through
``action_resume_topic`` (``pending_topic`` is ``checklist``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RulesAction
from bot.core import checklist
from bot.core.provinces_text import VALID_AS_OF_VARIABLE
from bot.rules.repository import RulesUnavailable

TOPIC = "checklist"
# Marks in ``asked_details`` of the details this action asked for: separate from the tailored
# answers' marks, so a province asked (and ignored) for another answer is still asked here once.
ASKED_PREFIX = "checklist:"


class ActionChecklist(RulesAction):
    """Asks for the next unknown detail, or answers with the applicant's checklist."""

    topic = TOPIC


    def name(self) -> Text:
        """Action name."""
        return "action_checklist"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Asks one missing detail (after the general list, on a new request) or utters
        ``utter_checklist``."""
        asked_details = list(tracker.get_slot("asked_details") or [])
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") == TOPIC:
            # A new request for the checklist may ask again what an earlier one asked.
            asked_details = [a for a in asked_details if not a.startswith(ASKED_PREFIX)]
        asked = [a[len(ASKED_PREFIX):] for a in asked_details if a.startswith(ASKED_PREFIX)]
        values = {name: tracker.get_slot(name) for name in checklist.detail_order()}
        question = checklist.next_question(values, asked)
        if question is not None:
            if (message.get("intent") or {}).get("name") == TOPIC:
                # "What do I need to prepare?" is answered at once with the general list (the
                # FAQ's documents); the questions then only tailor it.
                dispatcher.utter_message(response="utter_checklist_general")
            dispatcher.utter_message(response=f"utter_ask_{question}")
            return [
                SlotSet("pending_topic", TOPIC),
                SlotSet("asked_details", asked_details + [ASKED_PREFIX + question]),
            ]
        done = [
            SlotSet("pending_topic", None),
            SlotSet("last_topic", TOPIC),
            SlotSet("asked_details", asked_details),
        ]
        repository = self.repository
        language = tracker.get_slot("language") or "en"
        try:
            request = checklist.request_from_slots(values, language, repository)
            if request is None:
                # A detail the user did not give when asked: the general list instead.
                dispatcher.utter_message(response="utter_checklist_general")
                return done
            result = checklist.build_checklist(request, repository)
        except RulesUnavailable:
            dispatcher.utter_message(response="utter_rules_unavailable")
            dispatcher.utter_message(response="utter_checklist_general")
            return done
        dispatcher.utter_message(
            response="utter_checklist",
            checklist_heading=result.heading,
            checklist_summary=result.summary,
            checklist_items=result.as_text(),
            checklist_valid_as_of=result.valid_as_of_line or "",
            checklist_url=request.page_url(),
            **({VALID_AS_OF_VARIABLE: result.valid_as_of} if result.valid_as_of else {}),
        )
        return done
