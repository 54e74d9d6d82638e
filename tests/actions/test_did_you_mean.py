"""The "did you mean" suggestions offered on low confidence."""
from __future__ import annotations

from actions.did_you_mean import ActionDidYouMean
from tests.helpers import run_action


def _ranking(*pairs):
    return [{"name": n, "confidence": c} for n, c in pairs]


def test_offers_top_topics_then_a_human(make_tracker):
    ranking = _ranking(("faq_image_requirements", 0.31), ("faq_cannot_upload", 0.29),
                       ("out_of_scope", 0.2), ("app_upload_howto", 0.1), ("multi_domain", 0.06))
    messages, events = run_action(ActionDidYouMean(), make_tracker("nlu_fallback", "pic upload", ranking=ranking))
    assert messages[0]["response"] == "utter_did_you_mean"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["/faq_image_requirements", "/faq_cannot_upload", "/app_upload_howto", "/human_handoff"]
    assert events == []


def test_titles_follow_the_language(make_tracker):
    ranking = _ranking(("multi_domain", 0.4), ("authenticity_form", 0.35))
    tracker = make_tracker("nlu_fallback", "域名", slots={"language": "zh"}, ranking=ranking)
    messages, _ = run_action(ActionDidYouMean(), tracker)
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["多个域名怎么填核验单", "核验单怎么签字盖章", "转人工客服"]


def test_long_shots_are_not_suggested(make_tracker):
    ranking = _ranking(("greet", 0.5), ("faq_documents", 0.04))
    messages, _ = run_action(ActionDidYouMean(), make_tracker("nlu_fallback", "hmm", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff"]


def test_unclear_follow_up_with_a_detail_re_answers_the_last_topic(rules_repo, make_tracker):
    tracker = make_tracker("nlu_fallback", "what about someone from Macau?",
                           slots={"residency": "macao", "last_topic": "foreign_credentials"})
    tracker.latest_message["entities"] = [{"entity": "residency", "value": "macao"}]
    messages, _ = run_action(ActionDidYouMean(rules_repo), tracker)
    assert [m["response"] for m in messages] == ["utter_credentials_macao"]


def test_detail_without_a_topic_still_gets_suggestions(rules_repo, make_tracker):
    tracker = make_tracker("nlu_fallback", "hmm hunan",
                           ranking=[{"name": "multi_domain", "confidence": 0.3}])
    tracker.latest_message["entities"] = [{"entity": "province", "value": "hunan"}]
    messages, _ = run_action(ActionDidYouMean(rules_repo), tracker)
    assert messages[0]["response"] == "utter_did_you_mean"
