"""The checklist action: asks once each only the details it does not know, then lists it all."""
from __future__ import annotations

from actions.checklist import ActionChecklist
from actions.resume import ActionResumeTopic
from tests.helpers import responses, run_action, slot_events

EVERYTHING = {
    "applicant_type": "individual",
    "province": "jiangxi",
    "residency": "hong_kong",
    "domain_count": "3",
    "alibaba_domain": "no",
    "use_app": "no",
}


def test_asks_only_what_it_does_not_know_in_order(rules_repo, make_tracker):
    known = {"province": "jiangxi", "residency": "hong_kong"}
    messages, events = run_action(ActionChecklist(rules_repo), make_tracker("checklist", slots=known))
    # The request is answered at once with the general list; the question only tailors it.
    assert responses(messages) == ["utter_checklist_general", "utter_ask_applicant_type"]
    assert slot_events(events) == {"pending_topic": "checklist", "asked_details": ["checklist:applicant_type"]}

    slots = {**known, "applicant_type": "individual", "asked_details": ["checklist:applicant_type"]}
    messages, events = run_action(ActionResumeTopic(rules_repo), make_tracker(slots={**slots, "pending_topic": "checklist"}))
    assert responses(messages) == ["utter_ask_domain_count"]
    assert slot_events(events)["asked_details"] == ["checklist:applicant_type", "checklist:domain_count"]


def test_everything_at_once_gets_the_checklist_at_once(rules_repo, make_tracker):
    messages, events = run_action(ActionChecklist(rules_repo), make_tracker("checklist", slots=EVERYTHING))
    assert responses(messages) == ["utter_checklist"]
    message = messages[0]
    assert "fingerprint" in message["checklist_items"]
    assert "widened domain name area" in message["checklist_items"]
    assert "Hong Kong and Macao residence permit" in message["checklist_items"]
    assert message["checklist_url"].startswith("/help/checklist?province=jiangxi&applicant_type=individual")
    assert message["rules_valid_as_of"] == rules_repo.valid_as_of().isoformat()
    assert slot_events(events)["last_topic"] == "checklist"
    assert slot_events(events)["pending_topic"] is None


def test_the_checklist_follows_the_language(rules_repo, make_tracker):
    tracker = make_tracker("checklist", slots={**EVERYTHING, "language": "zh"})
    messages, _ = run_action(ActionChecklist(rules_repo), tracker)
    assert "按指纹" in messages[0]["checklist_items"]
    assert "lang=zh" in messages[0]["checklist_url"]


def test_a_question_is_asked_once_then_the_general_list(rules_repo, make_tracker):
    asked = [f"checklist:{name}" for name in ("applicant_type", "province", "residency", "domain_count",
                                              "alibaba_domain", "use_app")]
    tracker = make_tracker(slots={"pending_topic": "checklist", "asked_details": asked})
    messages, events = run_action(ActionChecklist(rules_repo), tracker)
    assert responses(messages) == ["utter_checklist_general"]


def test_optional_details_left_unanswered_still_give_the_checklist(rules_repo, make_tracker):
    required = {k: v for k, v in EVERYTHING.items() if k not in ("alibaba_domain", "use_app")}
    asked = ["checklist:alibaba_domain", "checklist:use_app"]
    tracker = make_tracker(slots={**required, "asked_details": asked, "pending_topic": "checklist"})
    messages, _ = run_action(ActionChecklist(rules_repo), tracker)
    assert responses(messages) == ["utter_checklist"]
    assert "If you use an Alibaba Cloud domain name" in messages[0]["checklist_items"]


def test_a_new_request_may_ask_again(rules_repo, make_tracker):
    tracker = make_tracker("checklist", slots={"asked_details": ["checklist:applicant_type", "province"]})
    messages, events = run_action(ActionChecklist(rules_repo), tracker)
    assert responses(messages) == ["utter_checklist_general", "utter_ask_applicant_type"]
    # The tailored answers' own marks are kept.
    assert slot_events(events)["asked_details"] == ["province", "checklist:applicant_type"]
