"""A question for the list of provinces gets the list, then an offer to check the user's own."""
from __future__ import annotations

import pytest

from actions.resume import ActionResumeTopic
from actions.tailored import ActionAppUploadAvailability
from bot.core import tailoring
from tests.helpers import responses, run_action, slot_events

LISTED = tailoring.LISTED_GENERAL["app_upload_availability"]


@pytest.mark.parametrize("text", [
    "which provinces support uploading with the app?",
    "哪些省份可以用APP上传资料？",
])
def test_list_question_gets_the_list_then_the_offer(rules_repo, make_tracker, text):
    tracker = make_tracker(intent="app_upload_availability", text=text)
    messages, events = run_action(ActionAppUploadAvailability(rules_repo), tracker)
    assert responses(messages) == [LISTED, tailoring.OFFER_PROVINCE_CHECK]
    assert messages[0]["app_provinces_en"] and messages[0]["app_provinces_zh"]
    assert slot_events(events) == {
        "pending_topic": "app_upload_availability",
        "last_topic": "app_upload_availability",
        "asked_details": ["province"],
    }


def test_picking_a_province_after_the_list_answers_for_it(rules_repo, make_tracker):
    tracker = make_tracker(slots={"province": "gansu", "pending_topic": "app_upload_availability",
                                  "asked_details": ["province"]})
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages)[0] in tailoring.APP_UPLOAD_RESPONSES.values()
    assert slot_events(events)["pending_topic"] is None


def test_list_question_with_a_known_province_adds_its_answer(rules_repo, make_tracker):
    tracker = make_tracker(intent="app_upload_availability", text="which provinces have the app?",
                           slots={"province": "gansu"})
    messages, events = run_action(ActionAppUploadAvailability(rules_repo), tracker)
    assert responses(messages)[0] == LISTED
    assert responses(messages)[1] in tailoring.APP_UPLOAD_RESPONSES.values()
    assert slot_events(events)["pending_topic"] is None


def test_a_question_without_a_province_is_still_asked_for_it(rules_repo, make_tracker):
    tracker = make_tracker(intent="app_upload_availability", text="can I use the app?")
    messages, _ = run_action(ActionAppUploadAvailability(rules_repo), tracker)
    assert responses(messages) == ["utter_ask_province"]
