"""QuestionSplitter + CompoundCollector: each question classified, folded back into its message."""
from __future__ import annotations

from typing import Dict, List

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.questions import COMPOUND_INTENT
from bot.nlu.compound import DETAILS_VIEW_MARGIN, CompoundCollector, QuestionSplitter, asks_several_things
from bot.nlu.elsewhere import ElsewhereGate
from tests.bot.nlu.components import build, messages

# A stand-in classifier: intent by keyword, with the confidence given.
KEYWORDS = {"documents": ("faq_documents", 0.9), "size": ("faq_image_requirements", 0.8),
            "sign": ("authenticity_form", 0.5), "weather": ("out_of_scope", 0.2)}


def _classify(batch: List[Message]) -> None:
    for message in batch:
        name, confidence = next(
            (v for k, v in KEYWORDS.items() if k in message.get("text")), ("greet", 0.9)
        )
        rest = round(1 - confidence, 3)
        message.set("intent", {"name": name, "confidence": confidence})
        message.set("intent_ranking", [{"name": name, "confidence": confidence},
                                       {"name": "thanks", "confidence": rest}])


def _pipeline(tmp_path, *texts: str) -> List[Message]:
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    collector = build(CompoundCollector, tmp_path / "collect", train=False).component
    batch = splitter.process(messages(*texts))
    _classify(batch)
    return collector.process(batch)


def test_two_different_questions_make_a_compound_message(tmp_path):
    [message] = _pipeline(tmp_path, "Which documents do I need? What is the size limit?")
    assert message.get("intent") == {"name": COMPOUND_INTENT, "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == COMPOUND_INTENT
    parts = message.get("compound")
    assert [p["intent"]["name"] for p in parts] == ["faq_documents", "faq_image_requirements"]
    assert [p["text"] for p in parts] == ["Which documents do I need?", "What is the size limit?"]
    assert all(p["confident"] for p in parts)
    assert "compound" in message.as_dict(only_output_properties=True)


def test_each_part_keeps_the_question_as_the_user_wrote_it(tmp_path):
    [message] = _pipeline(tmp_path, "I'm in Anhui. Which documents do I need? What is the size limit?")
    parts = message.get("compound")
    # Classified with the details before them; quoted back as asked.
    assert [p["text"] for p in parts] == ["I'm in Anhui. Which documents do I need?",
                                          "Anhui: What is the size limit?"]
    assert [p["asked"] for p in parts] == ["Which documents do I need?", "What is the size limit?"]


def test_a_single_question_is_left_alone(tmp_path):
    [message] = _pipeline(tmp_path, "Which documents do I need?")
    assert message.get("intent")["name"] == "faq_documents"
    assert message.get("compound") is None


def test_messages_of_a_batch_keep_their_own_parts(tmp_path):
    first, second = _pipeline(tmp_path, "Which documents? What size limit?", "What documents do I need?")
    assert len(first.get("compound")) == 2
    assert second.get("compound") is None and second.get("intent")["name"] == "faq_documents"


def test_a_part_below_the_fallback_gate_is_marked_unclear(tmp_path):
    [message] = _pipeline(tmp_path, "Which documents do I need? How is the weather today?")
    parts = message.get("compound")
    assert [p["confident"] for p in parts] == [True, False]
    assert message.get("intent")["name"] == COMPOUND_INTENT


def test_a_request_for_a_person_is_the_handoff_whatever_the_classifier_says(tmp_path):
    # The stand-in classifier reads "can I just talk to an actual person" as greet.
    [message] = _pipeline(tmp_path, "Which documents do I need? Honestly can I just talk to an actual person")
    parts = message.get("compound")
    assert [p["intent"]["name"] for p in parts] == ["faq_documents", "human_handoff"]
    assert parts[1]["confident"] and parts[1]["intent"]["confidence"] == 1.0


def test_the_same_question_twice_keeps_the_message_single(tmp_path):
    [message] = _pipeline(tmp_path, "Which documents do I need? And what documents for a company?")
    assert message.get("intent")["name"] == "faq_documents"
    assert len(message.get("compound")) == 2


def test_ambiguous_parts_fail_the_gate():
    collector = CompoundCollector({"threshold": 0.35, "ambiguity_threshold": 0.05})
    [part] = messages("x")
    part.set("intent", {"name": "a", "confidence": 0.5})
    part.set("intent_ranking", [{"name": "a", "confidence": 0.5}, {"name": "b", "confidence": 0.47}])
    assert not collector.is_confident(part)


@pytest.mark.parametrize("confidence, runner_up", [(0.3, 0.1), (0.4, 0.38)])
def test_a_part_read_as_near_topic_gets_that_reply_however_sure(confidence, runner_up):
    # The near-topic reply claims nothing: below the gate or in a near tie, it beats "did you mean".
    collector = CompoundCollector({"threshold": 0.35, "ambiguity_threshold": 0.05})
    [part] = messages("x")
    part.set("intent", {"name": "icp_other", "confidence": confidence})
    part.set("intent_ranking", [{"name": "icp_other", "confidence": confidence},
                                {"name": "faq_documents", "confidence": runner_up}])
    assert collector.is_confident(part)
    # An FAQ answer as unsure still fails the gate.
    part.set("intent", {"name": "faq_documents", "confidence": confidence})
    part.set("intent_ranking", [{"name": "faq_documents", "confidence": confidence},
                                {"name": "icp_other", "confidence": runner_up}])
    assert not collector.is_confident(part)


def test_training_data_is_not_split(tmp_path):
    splitter = build(QuestionSplitter, tmp_path, train=False).component
    data = TrainingData(messages("What documents? What size?"))
    assert splitter.process_training_data(data) is data
    assert len(data.training_examples) == 1


def _part(name: str, confident: bool = True) -> Dict:
    return {"intent": {"name": name, "confidence": 0.9}, "confident": confident}


def test_what_counts_as_asking_several_things():
    assert asks_several_things([_part("a"), _part("b")])
    assert asks_several_things([_part("a"), _part("b", confident=False)])
    assert not asks_several_things([_part("a"), _part("a")])
    assert not asks_several_things([_part("a"), _part("inform")])
    assert not asks_several_things([_part("a", False), _part("b", False)])


def test_one_intent_for_different_details_asks_several_things():
    def part(name, text, residency):
        return {**_part(name), "text": text, "entities": [{"entity": "residency", "value": residency}]}

    assert asks_several_things([part("foreign_credentials", "Macao residents?", "macao"),
                                part("foreign_credentials", "Taiwan residents?", "taiwan")])
    assert asks_several_things([part("foreign_credentials", "which ID for Macao residents?", "macao"),
                                part("inform", "what about foreigners?", "foreign")])
    assert not asks_several_things([part("foreign_credentials", "which ID?", "macao"),
                                    part("inform", "I'm from Macao.", "macao")])


LONG = ("We're a Hong Kong-owned company. The business licence and the form are ready. "
        "Which ID does our Hong Kong owner upload?")


def _two_readings(tmp_path, text, whole, view, view_text):
    """Runs the splitter and collector around a classifier that reads the message as ``whole``
    and its other reading (``view_text``) as ``view`` ((intent, confidence) each)."""
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    collector = build(CompoundCollector, tmp_path / "collect", train=False).component
    batch = splitter.process(messages(text))
    assert [m.get("text") for m in batch][1:] == [view_text]  # the message and one other reading
    for message, (name, confidence) in zip(batch, (whole, view)):
        message.set("intent", {"name": name, "confidence": confidence})
        message.set("intent_ranking", [{"name": name, "confidence": confidence}])
    [message] = collector.process(batch)
    return message


def _long_message(tmp_path, whole, view):
    return _two_readings(tmp_path, LONG, whole, view, "hong kong, company: Which ID does our Hong Kong owner upload?")


def test_a_long_message_takes_its_questions_surer_reading(tmp_path):
    message = _long_message(tmp_path, ("faq_documents", 0.45), ("foreign_credentials", 0.85))
    assert message.get("intent") == {"name": "foreign_credentials", "confidence": 0.85}
    assert message.get("intent_ranking")[0]["name"] == "foreign_credentials"
    assert message.get("compound") is None


@pytest.mark.parametrize("whole, view", [
    (("faq_documents", 0.9), ("foreign_credentials", 0.6)),   # the whole message is surer
    (("faq_documents", 0.45), ("out_of_scope", 0.9)),         # the question alone declines
    (("icp_other", 0.75), ("foreign_credentials", 0.9)),      # it declines, the question is not clearly surer
])
def test_a_long_message_keeps_its_own_reading_otherwise(tmp_path, whole, view):
    message = _long_message(tmp_path, whole, view)
    assert message.get("intent")["name"] == whole[0]


def test_short_messages_have_no_question_view(tmp_path):
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    assert len(splitter.process(messages("The licence is ready. Which ID does the owner upload?"))) == 1


DETAILED = "安徽个人备案，授权书能不能用APP传"


def _read_with_and_without_details(tmp_path, whole, rest):
    return _two_readings(tmp_path, DETAILED, whole, rest, "授权书能不能用APP传")


def test_a_question_read_clearly_surer_without_its_details_takes_that_reading(tmp_path):
    message = _read_with_and_without_details(
        tmp_path, ("app_upload_availability", 0.59), ("app_upload_scope", 0.79))
    assert message.get("intent") == {"name": "app_upload_scope", "confidence": 0.79}
    assert message.get("compound") is None


@pytest.mark.parametrize("rest_confidence", [0.5, 0.59 + DETAILS_VIEW_MARGIN - 0.01])
def test_a_near_tie_keeps_the_details(tmp_path, rest_confidence):
    # "Will a Hong Kong identity card do?" is about the detail: only a clearly surer reading wins.
    message = _read_with_and_without_details(
        tmp_path, ("app_upload_availability", 0.59), ("app_upload_scope", rest_confidence))
    assert message.get("intent")["name"] == "app_upload_availability"


def test_each_question_of_a_compound_message_is_also_read_without_its_details(tmp_path):
    text = "我是台湾人，在辽宁。证件用什么？授权书能用APP传吗？"
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    collector = build(CompoundCollector, tmp_path / "collect", train=False).component
    batch = splitter.process(messages(text))
    assert [m.get("text") for m in batch] == [
        text, "我是台湾人，在辽宁。证件用什么？", "我是，在。证件用什么？", "台湾辽宁，授权书能用APP传吗？", "授权书能用APP传吗？",
    ]
    readings = [
        ("foreign_credentials", 0.9),      # the message
        ("foreign_credentials", 0.9),      # its first question
        ("faq_documents", 0.6),            # ... without details: less sure, not taken
        ("foreign_credentials", 0.5),      # its second question, pulled by "台湾人"
        ("app_upload_scope", 0.8),         # ... without details: clearly surer, taken
    ]
    for message, (name, confidence) in zip(batch, readings):
        message.set("intent", {"name": name, "confidence": confidence})
        message.set("intent_ranking", [{"name": name, "confidence": confidence}])
    [message] = collector.process(batch)
    parts = message.get("compound")
    assert [p["intent"]["name"] for p in parts] == ["foreign_credentials", "app_upload_scope"]
    # The question as asked and the text classified with its context stay the part's own.
    assert parts[1]["text"] == "台湾辽宁，授权书能用APP传吗？"
    assert message.get("intent")["name"] == COMPOUND_INTENT


def test_the_first_question_of_a_long_compound_message_takes_its_surer_reading_without_the_background(tmp_path):
    text = ("个人博客备案，服务器买好了，域名也实名了。教程说要上传核验单，我已经在页面上点下载打印出来了。"
            "签名有啥要求，签全名就行吗？要不要按手印？")
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    collector = build(CompoundCollector, tmp_path / "collect", train=False).component
    batch = splitter.process(messages(text))
    assert batch[1].get("text") == "个人，签名有啥要求，签全名就行吗？"  # the first question's view
    for message in batch:
        # The background (which names the download) pulls the message and its first question,
        # as written, to the statement's download answer; without it, the question is the form's.
        pulled = message.get("text").startswith("个人博客备案")
        name, confidence = ("faq_authenticity_statement", 0.6) if pulled else ("authenticity_form", 0.9)
        message.set("intent", {"name": name, "confidence": confidence})
        message.set("intent_ranking", [{"name": name, "confidence": confidence}])
    [message] = collector.process(batch)
    assert [p["intent"]["name"] for p in message.get("compound")] == ["authenticity_form", "authenticity_form"]


def test_a_long_message_read_as_declined_gives_way_to_a_clearly_surer_question(tmp_path):
    message = _long_message(tmp_path, ("icp_other", 0.45), ("foreign_credentials", 0.9))
    assert message.get("intent")["name"] == "foreign_credentials"


def test_a_reading_without_details_never_overrides_a_declined_one(tmp_path):
    message = _read_with_and_without_details(tmp_path, ("icp_other", 0.4), ("app_upload_scope", 0.95))
    assert message.get("intent")["name"] == "icp_other"


def test_no_other_reading_overrides_a_reading_about_a_neighbouring_filing(tmp_path):
    # The question view ("要传什么材料？") no longer names 公安备案, which the background did.
    text = "ICP备案已经下来了，网站也上线了。现在要做公安备案。要传什么材料？"
    splitter = build(QuestionSplitter, tmp_path / "split", train=False).component
    gate = build(ElsewhereGate, tmp_path / "gate", train=False).component
    collector = build(CompoundCollector, tmp_path / "collect", train=False).component
    batch = splitter.process(messages(text))
    assert [m.get("text") for m in batch][1:] == ["要传什么材料？"]
    for message, (name, confidence) in zip(batch, (("icp_other", 0.5), ("faq_documents", 0.9))):
        message.set("intent", {"name": name, "confidence": confidence})
        message.set("intent_ranking", [{"name": name, "confidence": confidence}])
    [message] = collector.process(gate.process(batch))
    assert message.get("intent")["name"] == "icp_other"
