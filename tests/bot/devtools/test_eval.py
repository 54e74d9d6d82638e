"""The evaluation's scoring on tiny synthetic data (never on the real test set's answers)."""
from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from bot.devtools import eval as ev

FAQ = frozenset({"faq_documents", "faq_image_requirements", "faq_cannot_upload", "multi_domain"})


def item(text, expect, category="single"):
    return ev.Item(text, tuple(ev.parse_expected(e) for e in expect), category)


def table(answers):
    """A predictor answering from a dict: message -> list of answers."""
    return lambda text: answers[text]


def test_alternatives_are_split_on_the_bar():
    assert ev.parse_expected("faq_image_requirements|faq_cannot_upload") == (
        "faq_image_requirements",
        "faq_cannot_upload",
    )
    assert ev.parse_expected("icp_other") == ("icp_other",)


@pytest.mark.parametrize(
    "expected, got, right",
    [
        (("faq_documents",), "faq_documents", True),
        (("faq_image_requirements", "faq_cannot_upload"), "faq_cannot_upload", True),
        (("faq_documents",), "multi_domain", False),
        (("faq_documents",), None, False),
        # Any way of declining is right for an unrelated question...
        (("out_of_scope",), "nlu_fallback", True),
        (("out_of_scope",), "icp_other", True),
        # ...but a near-topic question must be recognised as such.
        (("icp_other",), "icp_other", True),
        (("icp_other",), "out_of_scope", False),
        (("icp_other",), "nlu_fallback", False),
        # The checklist's reply carries the documents list; the documents answer is no checklist.
        (("faq_documents",), "checklist", True),
        (("checklist",), "faq_documents", False),
        (("multi_domain",), "checklist", False),
    ],
)
def test_part_is_right(expected, got, right):
    assert ev.part_is_right(expected, got) is right


def test_the_checklist_carries_the_documents_list_as_the_scorer_assumes():
    """CARRIES holds only while the checklist's first reply is the general documents list."""
    import yaml

    domain = yaml.safe_load((ev.ROOT / "domain" / "checklist.yml").read_text(encoding="utf-8"))
    general = {v.get("condition") is not None: v["text"] for v in domain["responses"]["utter_checklist_general"]}
    for words in ("ID document of the subject contact person", "website owner", "subject licence",
                  "signed authenticity statement"):
        assert words in general[False]
    for words in ("主体负责人证件", "网站负责人证件", "主体证件", "真实性声明"):
        assert words in general[True]
    assert "utter_checklist_general" in (ev.ROOT / "actions" / "checklist.py").read_text(encoding="utf-8")


def test_a_compound_message_is_scored_on_every_part():
    items = [
        item("a", ["faq_documents", "faq_image_requirements"], "compound"),
        item("b", ["faq_documents", "multi_domain"], "compound"),
    ]
    # "a": both parts right. "b": only the first part found (no splitter), second missing.
    report = ev.score_items(items, table({"a": ["faq_documents", "faq_image_requirements"],
                                          "b": ["faq_documents"]}), FAQ)
    r = report.overall
    assert (r["messages"], r["parts"]) == (2, 4)
    assert r["accuracy"] == pytest.approx(3 / 4)
    assert r["compound_messages"] == 2
    assert r["compound_fully_answered"] == pytest.approx(1 / 2)
    # A missing answer is wrong but neither a confident-wrong answer nor a rejection.
    assert r["confident_wrong"] == 0
    assert r["in_scope_rejected"] == 0
    assert [e["text"] for e in report.errors] == ["b"]
    assert report.errors[0]["expected"] == ["faq_documents", "multi_domain"]


def test_confident_wrong_counts_faq_answers_where_something_else_was_right():
    items = [
        item("near", ["icp_other"], "near_topic"),          # got an FAQ answer: confident-wrong
        item("oos", ["out_of_scope"], "out_of_scope"),      # declined: right
        item("faq", ["faq_documents"]),                     # wrong FAQ answer: confident-wrong
        item("rej", ["faq_documents"]),                     # declined: rejected, not confident
    ]
    answers = {"near": ["faq_documents"], "oos": ["nlu_fallback"], "faq": ["multi_domain"],
               "rej": ["out_of_scope"]}
    r = ev.score_items(items, table(answers), FAQ).overall
    assert r["confident_wrong"] == pytest.approx(2 / 4)
    assert r["in_scope_parts"] == 2
    assert r["in_scope_rejected"] == pytest.approx(1 / 2)
    assert r["oos_near_topic_parts"] == 2
    assert r["oos_near_topic_declined"] == pytest.approx(1 / 2)
    assert r["accuracy"] == pytest.approx(1 / 4)


def test_an_faq_answer_to_a_question_nobody_asked_is_confident_wrong():
    items = [item("x", ["faq_documents"])]
    r = ev.score_items(items, table({"x": ["faq_documents", "multi_domain"]}), FAQ).overall
    assert r["accuracy"] == 1.0
    assert r["confident_wrong"] == 1.0


def test_icp_other_counts_as_a_rejection_of_an_answerable_question():
    r = ev.score_items([item("x", ["multi_domain"])], table({"x": ["icp_other"]}), FAQ).overall
    assert r["in_scope_rejected"] == 1.0
    assert r["confident_wrong"] == 0


def test_scores_are_grouped_by_category_in_a_fixed_order():
    items = [
        item("n", ["icp_other"], "near_topic"),
        item("s", ["faq_documents"], "single"),
        item("c", ["faq_documents", "multi_domain"], "compound"),
    ]
    answers = {"n": ["icp_other"], "s": ["faq_documents"], "c": ["faq_documents", "multi_domain"]}
    report = ev.score_items(items, table(answers), FAQ)
    assert list(report.by_category) == ["single", "compound", "near_topic"]
    assert report.by_category["single"]["compound_fully_answered"] is None
    assert report.by_category["compound"]["compound_fully_answered"] == 1.0
    assert report.by_category["near_topic"]["in_scope_rejected"] is None


def test_dev_items_are_single_questions():
    items = ev.dev_items([("hi there", "greet"), ("weather?", "out_of_scope")])
    assert [(i.expect, i.category) for i in items] == [
        ((("greet",),), "single"),
        ((("out_of_scope",),), "out_of_scope"),
    ]


def test_test_items_are_read_with_alternatives_and_details(tmp_path: Path):
    path = tmp_path / "en.yml"
    path.write_text(
        "# source: https://example.org/q\n"
        "- text: \"anhui, app? and max size?\"\n"
        "  expect: [app_upload_availability, faq_image_requirements|faq_cannot_upload]\n"
        "  category: compound\n"
        "  details: {province: anhui}\n",
        encoding="utf-8",
    )
    (loaded,) = ev.load_test_items(path)
    assert loaded.expect == (("app_upload_availability",), ("faq_image_requirements", "faq_cannot_upload"))
    assert loaded.category == "compound"
    assert loaded.details == {"province": "anhui"}


def test_without_a_splitter_a_message_is_one_question(monkeypatch):
    monkeypatch.setitem(sys.modules, "bot.core.questions", None)  # import fails
    predict_parts = ev.message_predictor(lambda text: f"intent of {text}")
    assert predict_parts("a? b?") == ["intent of a? b?"]


def test_the_splitter_is_used_when_it_exists(monkeypatch):
    fake = types.ModuleType("bot.core.questions")
    fake.split_questions = lambda text: [p.strip() + "?" for p in text.split("?") if p.strip()]
    monkeypatch.setitem(sys.modules, "bot.core.questions", fake)
    predict_parts = ev.message_predictor(lambda text: text.upper())
    assert predict_parts("a? b?") == ["A?", "B?"]


def test_parts_that_only_give_details_are_not_answers_as_in_the_reply():
    intents = {"I'm in Anhui, right?": "inform", "can I use the app?": "app_upload_availability",
               "what size?": "faq_image_requirements"}
    split = lambda text: list(intents)  # noqa: E731
    predict_parts = ev.message_predictor(intents.get, split=split)
    assert predict_parts("...") == ["app_upload_availability", "faq_image_requirements"]
    only_details = ev.message_predictor(lambda text: "inform", split=lambda text: ["a", "b"])
    assert only_details("...") == ["inform"]


def test_a_bare_follow_up_is_scored_as_the_question_before_it_as_in_the_reply():
    intents = {"which ID for Macao residents?": "foreign_credentials", "what about foreigners?": "inform",
               "I'm from Macao.": "inform"}
    predict_parts = ev.message_predictor(intents.get, split=lambda text: text.split("|"))
    assert predict_parts("which ID for Macao residents?|what about foreigners?") == [
        "foreign_credentials", "foreign_credentials"]
    assert predict_parts("which ID for Macao residents?|I'm from Macao.") == ["foreign_credentials"]


def test_an_empty_split_falls_back_to_the_whole_message():
    predict_parts = ev.message_predictor(lambda text: text, split=lambda text: [])
    assert predict_parts("hello") == ["hello"]


def test_faq_intents_are_the_topics_with_an_faq_source(tmp_path: Path):
    topics = tmp_path / "topics.yml"
    topics.write_text(
        "topics:\n  faq_documents: {source: x, general: utter_a}\n  multi_domain: {source: y, general: utter_b}\n"
        "  nlu_fallback: {general: utter_default}\n  out_of_scope: {general: utter_c}\n",
        encoding="utf-8",
    )
    assert ev.faq_intents(topics) == {"faq_documents", "multi_domain"}
    # The project's own: fallbacks and declining replies are never FAQ answers.
    real = ev.faq_intents()
    assert "faq_documents" in real and not real & {"nlu_fallback", "out_of_scope", "icp_other", "greet"}


def test_the_report_table_names_the_set_and_every_category():
    report = ev.score_items([item("s", ["faq_documents"])], table({"s": ["faq_documents"]}), FAQ)
    text = ev.format_report("test set", {"en": report})
    assert "test set / en" in text
    assert any(line.startswith("single") and "100.0%" in line for line in text.splitlines())


def test_development_cases_in_several_batches_join_their_language(tmp_path: Path):
    (tmp_path / "en.yml").write_text("hi: [hello]\n", encoding="utf-8")
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, text in (("en", "first batch"), ("en2", "second batch")):
        (cases / f"{name}.yml").write_text(
            f'- text: "{text}"\n  expect: [faq_documents]\n  category: single\n', encoding="utf-8"
        )
    items = ev.load_dev_items(tmp_path, cases)
    assert list(items) == ["en"]
    assert [i.text for i in items["en"]] == ["hello", "first batch", "second batch"]


def _parse(name, parts=()):
    return {"intent": {"name": name}, "compound": [
        {"text": t, "intent": {"name": n}, "confident": c, "entities": e} for t, n, c, e in parts]}


def test_answers_are_what_the_reply_gives_for_the_whole_message():
    # One question, or several asking one thing: the message's intent answers each.
    assert ev.answers_of(_parse("faq_documents")) == ["faq_documents"]
    assert ev.answers_of(_parse("authenticity_form", [("sign?", "authenticity_form", True, []),
                                                       ("fingerprint?", "authenticity_form", True, [])])) == [
        "authenticity_form", "authenticity_form"]
    # The whole message's own fallback gate counts, as in the bot.
    assert ev.answers_of(_parse("nlu_fallback")) == ["nlu_fallback"]
    # A compound message: unclear parts are "did you mean", details-only parts are silent.
    compound = _parse("compound_question", [("which docs?", "faq_documents", True, []),
                                            ("I'm in Anhui.", "inform", True, [{"entity": "province", "value": "anhui"}]),
                                            ("uh?", "multi_domain", False, [])])
    assert ev.answers_of(compound) == ["faq_documents", "nlu_fallback"]


def test_at_most_three_questions_are_answered_and_repeats_share_their_answer():
    parts = [(f"q{i}?", name, True, []) for i, name in enumerate(
        ["faq_documents", "faq_documents", "multi_domain", "authorization_letter", "app_upload_howto"])]
    assert ev.answers_of(_parse("compound_question", parts)) == [
        "faq_documents", "faq_documents", "multi_domain", "authorization_letter"]


@pytest.mark.parametrize(
    "expect, got, right, confident_wrong",
    [
        # Cut finer than its writer meant ("哪些资料能在app里传、哪些得在电脑上传？全传完之后在哪提交？"):
        # the reply answers the first question once, then the second.
        (["app_upload_scope", "app_upload_howto"],
         ["app_upload_scope", ev.Repeat("app_upload_scope"), "app_upload_howto"], 2, 0),
        # The same question asked twice: the one answer answers both.
        (["authenticity_form", "authenticity_form"], ["authenticity_form", ev.Repeat("authenticity_form")], 2, 0),
        # A second question the reply leaves unanswered is wrong, but no wrong answer was given.
        (["faq_documents", "multi_domain"], ["faq_documents", ev.Repeat("faq_documents")], 1, 0),
        # A repeat given as a new answer (not a Repeat) is still scored where it stands.
        (["faq_documents", "multi_domain"], ["faq_documents", "faq_documents"], 1, 1),
        # One answer for the whole message answers each question it covers, and no other.
        (["face_verification_tips", "face_verification_tips"], ["face_verification_tips"], 2, 0),
        (["faq_documents", "faq_documents", "multi_domain"], ["faq_documents"], 2, 0),
        (["multi_domain", "faq_documents"], ["faq_documents"], 1, 0),
        # An answer that covers none of them is a wrong one, where it stands.
        (["multi_domain", "authorization_letter"], ["faq_documents"], 0, 1),
    ],
)
def test_a_question_the_reply_does_not_answer_again_is_scored_as_the_user_reads_it(expect, got, right, confident_wrong):
    m, _ = ev.score_item(item("x", expect, "compound"), got, FAQ)
    assert (m.right, m.confident_wrong) == (right, confident_wrong)


def test_a_question_asked_again_for_the_same_details_is_a_repeat_of_its_answer():
    parts = [("which docs?", "faq_documents", True, []), ("and which ones exactly?", "faq_documents", True, []),
             ("size?", "faq_image_requirements", True, [])]
    answers = ev.answers_of(_parse("compound_question", parts))
    assert answers == ["faq_documents", "faq_documents", "faq_image_requirements"]
    assert [isinstance(a, ev.Repeat) for a in answers] == [False, True, False]
