"""A message that only gives details, with no topic under way, gets the answer they decide."""
from __future__ import annotations

from actions.resume import ActionResumeTopic
from bot.core import tailoring
from tests.actions.province_matrix import APP_UPLOAD, FINGERPRINT
from tests.helpers import responses, run_action, slot_events


def _entities(**details):
    return [{"entity": name, "value": value} for name, value in details.items()]


def test_residency_gets_the_credentials_for_it(rules_repo, make_tracker):
    tracker = make_tracker(text="I'm a Taiwan resident", slots={"residency": "taiwan"},
                           entities=_entities(residency="taiwan"))
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_taiwan"]
    assert slot_events(events)["last_topic"] == "foreign_credentials"


def test_a_province_gets_its_rules_in_short(rules_repo, make_tracker):
    tracker = make_tracker(text="we're filing in Anhui", slots={"province": "anhui"},
                           entities=_entities(province="anhui"))
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == [tailoring.PROVINCE_SUMMARY]
    summary = messages[0]
    assert summary["province_en"] == "Anhui" and summary["province_zh"] == "安徽"
    # Unknown applicant type: both the organisation's and the individual's signing lines.
    assert len(summary["summary_en"].splitlines()) == 4
    assert len(summary["summary_zh"].splitlines()) == 4


def test_province_and_applicant_type_summarise_that_applicant_signing(rules_repo, make_tracker):
    province = sorted(FINGERPRINT)[0]
    tracker = make_tracker(slots={"province": province, "applicant_type": "individual"},
                           entities=_entities(province=province, applicant_type="individual"))
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    lines = messages[0]["summary_en"].splitlines()
    assert len(lines) == 3
    assert "fingerprint" in lines[1]
    assert ("currently available" in lines[0]) == (province in APP_UPLOAD)


def test_residency_and_province_get_both(rules_repo, make_tracker):
    tracker = make_tracker(slots={"province": "xinjiang", "residency": "foreign"},
                           entities=_entities(residency="foreign", province="xinjiang"))
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_foreign", tailoring.PROVINCE_SUMMARY]


def test_applicant_type_alone_gets_how_to_sign(rules_repo, make_tracker):
    tracker = make_tracker(slots={"applicant_type": "organization"},
                           entities=_entities(applicant_type="organization"))
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_form_organization"]
    assert slot_events(events)["last_topic"] == "authenticity_form"


def test_an_individual_without_province_is_asked_for_it(rules_repo, make_tracker):
    tracker = make_tracker(slots={"applicant_type": "individual"},
                           entities=_entities(applicant_type="individual"))
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_ask_province"]
    assert slot_events(events)["pending_topic"] == "authenticity_form"


def test_a_pending_topic_still_wins(rules_repo, make_tracker):
    tracker = make_tracker(slots={"province": "gansu", "pending_topic": "multi_domain"},
                           entities=_entities(province="gansu"))
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages)[0].startswith("utter_multi_domain_")


def test_a_message_that_names_no_detail_asks_for_more_instead_of_repeating(rules_repo, make_tracker):
    # "补充一下" / "Some context:" after an answer: the user has more to say. Neither the last
    # answer again nor a summary of the details the conversation already holds.
    tracker = make_tracker(text="补充一下", slots={"last_topic": "authenticity_form", "province": "jiangxi"})
    messages, events = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_noted_details"]
    assert events == []
    # A topic waiting for a detail still asks for it.
    tracker = make_tracker(text="补充一下", slots={"pending_topic": "multi_domain"})
    messages, _ = run_action(ActionResumeTopic(rules_repo), tracker)
    assert responses(messages) == ["utter_ask_province"]
