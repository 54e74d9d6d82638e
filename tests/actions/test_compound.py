"""action_answer_questions: every question of a compound message answered in one reply."""
from __future__ import annotations

from actions.compound import ActionAnswerQuestions
from bot.core.compound import MORE_THAN_MAX, UNCLEAR_PART
from tests.actions.province_matrix import FINGERPRINT
from tests.helpers import responses, run_action, slot_events


def _part(text, name, confident=True, ranking=None):
    return {
        "text": text,
        "intent": {"name": name, "confidence": 0.9 if confident else 0.2},
        "intent_ranking": ranking or [{"name": name, "confidence": 0.9 if confident else 0.2}],
        "entities": [],
        "confident": confident,
    }


def _tracker(make_tracker, parts, slots=None):
    tracker = make_tracker(intent="compound_question", text="...", slots=slots)
    tracker.latest_message["compound"] = parts
    return tracker


def test_each_question_is_answered_in_order_with_the_messages_details(rules_repo, make_tracker):
    province = sorted(FINGERPRINT)[0]
    parts = [_part("do I press a fingerprint?", "authenticity_form"),
             _part("which ID do I upload?", "foreign_credentials")]
    tracker = _tracker(make_tracker, parts, slots={
        "province": province, "applicant_type": "individual", "residency": "taiwan"})
    messages, events = run_action(ActionAnswerQuestions(rules_repo), tracker)
    assert responses(messages) == ["utter_form_individual_fingerprint", "utter_credentials_taiwan"]
    assert slot_events(events)["last_topic"] == "foreign_credentials"
    assert slot_events(events)["pending_topic"] is None


def test_untailored_topics_get_their_general_answer(rules_repo, make_tracker):
    parts = [_part("what documents?", "faq_documents"), _part("max size?", "faq_image_requirements")]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert responses(messages) == ["utter_faq_documents", "utter_faq_image_requirements"]


def test_an_unclear_part_is_not_guessed(rules_repo, make_tracker):
    ranking = [{"name": "multi_domain", "confidence": 0.2}, {"name": "faq_documents", "confidence": 0.15}]
    parts = [_part("what documents?", "faq_documents"),
             _part("and the other thing?", "multi_domain", confident=False, ranking=ranking)]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert responses(messages) == ["utter_faq_documents", UNCLEAR_PART]
    unclear = messages[1]
    assert unclear["part"] == "and the other thing?"
    assert [b["payload"] for b in unclear["buttons"]] == ["/multi_domain", "/faq_documents", "/human_handoff"]


def test_only_one_clarifying_question_and_it_comes_last(rules_repo, make_tracker):
    parts = [_part("can I use the app?", "app_upload_availability"),
             _part("several domains?", "multi_domain"),
             _part("what documents?", "faq_documents")]
    messages, events = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    # The second question that needs the province gets the general answer instead of asking.
    assert responses(messages) == ["utter_multi_domain_by_province", "utter_faq_documents",
                                   "utter_ask_province"]
    slots = slot_events(events)
    assert slots["pending_topic"] == "app_upload_availability"
    assert slots["asked_details"] == ["province"]


def test_more_than_three_questions_answers_three_and_says_so(rules_repo, make_tracker):
    parts = [_part("a?", "faq_documents"), _part("b?", "faq_image_requirements"),
             _part("c?", "faq_domain_certificate"), _part("d?", "face_verification_tips")]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert responses(messages) == ["utter_faq_documents", "utter_faq_image_requirements",
                                   "utter_faq_domain_certificate", MORE_THAN_MAX]
    assert messages[-1]["max_answered"] == 3


def test_the_same_question_twice_is_answered_once_and_details_parts_add_nothing(rules_repo, make_tracker):
    parts = [_part("what documents?", "faq_documents"), _part("in Anhui?", "inform"),
             _part("which papers?", "faq_documents"), _part("how big?", "faq_image_requirements")]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert responses(messages) == ["utter_faq_documents", "utter_faq_image_requirements"]


def test_questions_outside_the_faq_get_their_usual_reply(rules_repo, make_tracker):
    parts = [_part("what documents?", "faq_documents"), _part("how long is the review?", "icp_other")]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert responses(messages) == ["utter_faq_documents", "utter_icp_other"]


def _with_residency(part, residency):
    part["entities"] = [{"entity": "residency", "value": residency, "start": 0, "end": 1}]
    return part


def test_one_topic_asked_for_several_details_is_answered_for_each(rules_repo, make_tracker):
    # "What do Macao residents upload as ID, what do Taiwanese residents upload, and what about
    # foreigners?": the message's last residency (the slot) must not answer all three.
    parts = [_with_residency(_part("What do Macao residents upload as ID", "foreign_credentials"), "macao"),
             _with_residency(_part("what do Taiwanese residents upload", "foreign_credentials"), "taiwan"),
             _with_residency(_part("what about foreigners?", "inform"), "foreign")]
    tracker = _tracker(make_tracker, parts, slots={"residency": "foreign"})
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_macao", "utter_credentials_taiwan", "utter_credentials_foreign"]


def test_a_statement_of_details_inside_the_message_is_still_silent(rules_repo, make_tracker):
    parts = [_part("which ID do I upload?", "foreign_credentials"),
             _with_residency(_part("I'm from Macao.", "inform"), "macao")]
    tracker = _tracker(make_tracker, parts, slots={"residency": "macao"})
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_macao"]


def test_an_unclear_part_is_quoted_as_the_user_wrote_it(rules_repo, make_tracker):
    unclear = _part("I'm in Anhui. uh, the thing?", "faq_documents", confident=False)
    unclear["asked"] = "uh, the thing?"
    parts = [_part("which documents?", "faq_documents"), unclear]
    messages, _ = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert messages[-1]["response"] == UNCLEAR_PART
    assert messages[-1]["part"] == "uh, the thing?"


def test_a_residency_named_twice_is_not_tailored_to(rules_repo, make_tracker):
    # "法人是香港人，网站负责人是内地员工。法人的证件传哪种？授权书要吗？"
    parts = [_part("which ID does the legal rep upload?", "foreign_credentials"),
             _part("do we need an authorization letter?", "authorization_letter")]
    tracker = _tracker(make_tracker, parts, slots={"residency": "mainland"})
    tracker.latest_message["entities"] = [{"entity": "residency", "value": "hong_kong"},
                                          {"entity": "residency", "value": "mainland"}]
    messages, events = run_action(ActionAnswerQuestions(rules_repo), tracker)
    assert responses(messages)[0] == "utter_credentials_general"
    assert slot_events(events)["residency"] is None


def test_a_question_for_a_human_hands_over_after_the_answers(rules_repo, make_tracker):
    # "图片传不上去… 能不能给我转个人工": the answer, then the real handoff (its action tells the
    # user and pauses the bot), not a promise of an agent that never comes.
    parts = [_part("images won't upload", "faq_cannot_upload"),
             _part("can I talk to a person?", "human_handoff"),
             _part("can I use the app?", "app_upload_availability")]
    messages, events = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    # The province is not asked for: the availability question gets its general answer.
    said = responses(messages)
    assert said[0] == "utter_faq_cannot_upload" and len(said) == 2
    assert not said[1].startswith("utter_ask_") and "availability" in said[1]
    assert [e for e in events if e.get("event") == "followup"] == [
        {"event": "followup", "timestamp": None, "name": "action_handoff"}]
    # Nobody would read a question for the province: the agent takes over.
    assert slot_events(events)["pending_topic"] is None


def test_without_a_request_for_a_human_nothing_is_handed_over(rules_repo, make_tracker):
    parts = [_part("images won't upload", "faq_cannot_upload"), _part("what documents?", "faq_documents")]
    _, events = run_action(ActionAnswerQuestions(rules_repo), _tracker(make_tracker, parts))
    assert not [e for e in events if e.get("event") == "followup"]
