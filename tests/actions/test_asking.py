"""Asking for a missing detail once, resuming the topic, and changing a detail later."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from actions.tailored import ActionAppUploadAvailability
from actions.tailored import ActionMultiDomain
from actions.resume import ActionResumeTopic
from actions.tailored import ActionAuthenticityForm
from bot.rules.repository import RulesRepository
from bot.core import tailoring
from bot.core.topics import load_topics
from tests.helpers import responses, run_action, slot_events


@pytest.mark.parametrize("action_cls", [ActionAppUploadAvailability, ActionMultiDomain])
def test_asks_for_province_once(rules_repo, make_tracker, action_cls):
    action = action_cls(rules_repo)
    messages, events = run_action(action, make_tracker())
    assert responses(messages) == ["utter_ask_province"]
    assert slot_events(events) == {"pending_topic": action.topic, "asked_details": ["province"]}

    # Asked already and still unknown: the general answer, not the same question again.
    messages, events = run_action(action, make_tracker(slots={"asked_details": ["province"]}))
    assert responses(messages) == [tailoring.LISTED_GENERAL[action.topic]]
    assert responses(messages) != [load_topics()[action.topic].general]  # names provinces
    assert slot_events(events)["pending_topic"] is None


def test_individual_without_province_is_asked_for_it(rules_repo, make_tracker):
    tracker = make_tracker(slots={"applicant_type": "individual"})
    messages, events = run_action(ActionAuthenticityForm(rules_repo), tracker)
    assert responses(messages) == ["utter_ask_province"]
    assert slot_events(events)["pending_topic"] == "authenticity_form"


def test_resume_answers_the_pending_topic(rules_repo, make_tracker):
    tracker = make_tracker(slots={"province": "liaoning", "pending_topic": "app_upload_availability",
                                  "asked_details": ["province"]})
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_app_available"]
    assert messages[0]["province_en"] == "Liaoning"
    assert slot_events(events)["pending_topic"] is None


def test_changed_province_re_answers_the_last_topic(rules_repo, make_tracker):
    # "actually we're in Hunan": the message names the province it changes.
    tracker = make_tracker(slots={"province": "hunan", "last_topic": "multi_domain"},
                           entities=[{"entity": "province", "value": "hunan"}])
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_multi_domain_widened_form"]
    assert messages[0]["province_en"] == "Hunan"


def test_detail_without_topic_gets_what_it_decides(rules_repo, make_tracker):
    tracker = make_tracker(slots={"province": "hebei"}, entities=[{"entity": "province", "value": "hebei"}])
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == [tailoring.PROVINCE_SUMMARY]
    assert events == []


def test_no_detail_at_all_is_acknowledged(rules_repo, make_tracker):
    messages, events = run_action(ActionResumeTopic(rules_repo), make_tracker())
    assert responses(messages) == ["utter_noted_details"]
    assert events == []


def test_database_down_gives_general_guidance(make_tracker, tmp_path):
    # A read-only URI on a file that does not exist: every query fails like a dead server.
    engine = create_engine(f"sqlite:///file:{tmp_path}/missing.db?mode=ro&uri=true", future=True)
    action = ActionMultiDomain(RulesRepository(engine))
    messages, events = run_action(action, make_tracker(slots={"province": "hainan"}))
    assert responses(messages) == ["utter_rules_unavailable", "utter_multi_domain_general"]
    assert slot_events(events)["last_topic"] == "multi_domain"
