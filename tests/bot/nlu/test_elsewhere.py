"""ElsewhereGate: FAQ answers to messages about another procedure become `out_of_scope`."""
from __future__ import annotations

from typing import List

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.compound import QuestionSplitter
from bot.nlu.elsewhere import ELSEWHERE_KEY, UNCOVERED_KEY, ElsewhereGate
from tests.bot.nlu.components import build, messages

RANKING = [
    {"name": "faq_image_requirements", "confidence": 0.7},
    {"name": "out_of_scope", "confidence": 0.1},
    {"name": "faq_cannot_upload", "confidence": 0.1},
    {"name": "greet", "confidence": 0.1},
]


def _classified(batch: List[Message], ranking=RANKING) -> List[Message]:
    for message in batch:
        message.set("intent", dict(ranking[0]))
        message.set("intent_ranking", [dict(e) for e in ranking])
    return batch


@pytest.fixture
def gate(tmp_path) -> ElsewhereGate:
    return build(ElsewhereGate, tmp_path / "gate", train=False).component


def test_an_faq_answer_about_another_procedure_is_declined(gate: ElsewhereGate) -> None:
    [message] = gate.process(_classified(messages("社保APP上传身份证照片，格式和大小有要求吗")))
    assert message.get("intent") == {"name": "out_of_scope", "confidence": pytest.approx(0.9)}
    # Every FAQ answer leaves the ranking: none is offered as "did you mean" or to an agent.
    assert [e["name"] for e in message.get("intent_ranking")] == ["out_of_scope", "greet"]
    assert message.get(ELSEWHERE_KEY) == "社保"


def test_an_icp_question_keeps_its_answer(gate: ElsewhereGate) -> None:
    [message] = gate.process(_classified(messages("备案时身份证照片格式和大小有要求吗")))
    assert message.get("intent")["name"] == "faq_image_requirements"
    assert len(message.get("intent_ranking")) == len(RANKING)


def test_other_intents_are_left_alone(gate: ElsewhereGate) -> None:
    ranking = [{"name": "icp_other", "confidence": 0.8}, {"name": "faq_documents", "confidence": 0.2}]
    [message] = gate.process(_classified(messages("拼多多开店要备案吗，审核多久"), ranking))
    assert message.get("intent")["name"] == "icp_other"


def test_the_questions_of_a_message_share_its_verdict(tmp_path, gate: ElsewhereGate) -> None:
    # The second question does not repeat where it happens; the message said so.
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    batch = splitter.process(messages(
        "社保APP里证件照片要多大？传不上去怎么办？",
        "备案照片要多大？传不上去怎么办？",
    ))
    out = gate.process(_classified(batch))
    about_social_security = [m for m in out if m.get(ELSEWHERE_KEY)]
    assert len(about_social_security) == 3  # the message and its two questions
    assert all(m.get("intent")["name"] == "out_of_scope" for m in about_social_security)
    assert sum(m.get("intent")["name"] == "faq_image_requirements" for m in out) == 3


def test_a_question_about_a_neighbouring_filing_gets_the_near_topic_answer(tmp_path, gate: ElsewhereGate) -> None:
    [message] = gate.process(_classified(messages("ICP备案下来以后，公安备案要传什么材料？")))
    assert message.get("intent") == {"name": "icp_other", "confidence": pytest.approx(0.8)}
    assert message.get(ELSEWHERE_KEY) == "公安备案"
    # Judged question by question: the ICP question of the same message keeps its answer.
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    batch = gate.process(_classified(splitter.process(messages("公安备案要传什么材料？ICP这边核验单又该怎么签"))))
    assert [m.get("intent")["name"] for m in batch[1:]] == ["icp_other", "faq_image_requirements"]


def test_a_question_about_an_aspect_its_answer_does_not_cover_gets_the_near_topic_answer(
    tmp_path, gate: ElsewhereGate
) -> None:
    ranking = [{"name": "authorization_letter", "confidence": 0.86}, {"name": "authenticity_form", "confidence": 0.09}]
    [message] = gate.process(_classified(messages("授权书上要不要盖章"), ranking))
    assert message.get("intent") == {"name": "icp_other", "confidence": pytest.approx(0.95)}
    assert message.get(UNCOVERED_KEY) == "盖章"
    # The form's seal is in the FAQ: that question keeps its answer.
    ranking = [{"name": "authenticity_form", "confidence": 0.9}, {"name": "icp_other", "confidence": 0.1}]
    [message] = gate.process(_classified(messages("核验单要盖公章吗"), ranking))
    assert message.get("intent")["name"] == "authenticity_form"
    assert message.get(UNCOVERED_KEY) is None


def test_a_question_read_as_details_is_judged_by_the_answer_it_will_get(gate: ElsewhereGate) -> None:
    # DetailsOnlyIntent gives a message that asks its best intent other than `inform`: the
    # credentials here, which do not answer a question about where a household is registered.
    ranking = [{"name": "inform", "confidence": 0.4}, {"name": "foreign_credentials", "confidence": 0.35},
               {"name": "icp_other", "confidence": 0.15}, {"name": "greet", "confidence": 0.1}]
    [message] = gate.process(_classified(messages("我人在北京工作，但户籍在广东，可以在北京做个人备案吗？"), ranking))
    assert message.get(UNCOVERED_KEY) == "户籍"
    assert message.get("intent")["name"] == "inform"
    assert [e["name"] for e in message.get("intent_ranking")] == ["icp_other", "inform", "greet"]


OUT_OF_SCOPE_RANKING = [
    {"name": "out_of_scope", "confidence": 0.72},
    {"name": "foreign_credentials", "confidence": 0.2},
    {"name": "icp_other", "confidence": 0.08},
]


def test_a_question_of_icp_filing_put_out_of_scope_gets_the_near_topic_answer(gate: ElsewhereGate) -> None:
    [message] = gate.process(_classified(messages("域名实名认证一直审核失败，怎么办"), OUT_OF_SCOPE_RANKING))
    # The same confidence: an unsure "out of scope" stays below the fallback gate.
    assert message.get("intent") == {"name": "icp_other", "confidence": pytest.approx(0.72)}
    assert [e["name"] for e in message.get("intent_ranking")] == ["icp_other", "foreign_credentials"]
    [unrelated] = gate.process(_classified(messages("阿里云服务器怎么续费"), OUT_OF_SCOPE_RANKING))
    assert unrelated.get("intent")["name"] == "out_of_scope"


def test_a_question_naming_a_filing_document_is_near_topic_in_a_filing_message(tmp_path, gate: ElsewhereGate) -> None:
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    message, *questions = gate.process(_classified(
        splitter.process(messages("外国人拿护照能当网站负责人吗？护照要拍哪几页上传")), OUT_OF_SCOPE_RANKING
    ))
    # Each question (and its reading without the details) names the passport of the filing.
    assert "护照要拍哪几页上传" in [q.get("text") for q in questions]
    assert {q.get("intent")["name"] for q in questions} == {"icp_other"}
    # The same question alone names nothing of the filing.
    [alone] = gate.process(_classified(messages("护照要拍哪几页上传"), OUT_OF_SCOPE_RANKING))
    assert alone.get("intent")["name"] == "out_of_scope"


def test_a_reading_without_the_details_is_judged_as_the_question_was_asked(tmp_path, gate: ElsewhereGate) -> None:
    # "人在香港" names a detail: read without it ("人脸核验能不能人在用手机做") the question no
    # longer says what it asks, and that reading must not answer it from the FAQ.
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    ranking = [{"name": "face_verification_tips", "confidence": 0.8}, {"name": "icp_other", "confidence": 0.2}]
    batch = gate.process(_classified(splitter.process(messages("人脸核验能不能人在香港用手机做")), ranking))
    view = batch[-1]
    assert "香港" not in view.get("text")
    assert view.get(UNCOVERED_KEY) == "人在香港"
    assert view.get("intent")["name"] == "icp_other"
