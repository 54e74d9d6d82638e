"""DetailsOnlyIntent: bare answers become `inform`, everything else keeps its intent."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.inform import DetailsOnlyIntent
from bot.nlu.language import LanguageDetector
from tests.bot.nlu.components import LEXICON_PATH, Built, build, messages

CLASSIFIED = {"name": "faq_documents", "confidence": 0.6}
RANKING = [
    {"name": "faq_documents", "confidence": 0.6},
    {"name": "inform", "confidence": 0.3},
    {"name": "greet", "confidence": 0.1},
]


@pytest.fixture(scope="module")
def classify(
    trained_extractor: Built, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Message]:
    """Runs language detection, entity extraction and DetailsOnlyIntent after a fake classifier."""
    storage = tmp_path_factory.mktemp("inform")
    detector = build(LanguageDetector, storage / "language", train=False).component
    details_only = build(
        DetailsOnlyIntent, storage / "inform", train=False, lexicon_path=str(LEXICON_PATH)
    ).component

    def run(text: str) -> Message:
        [message] = messages(text)
        message.set("intent", dict(CLASSIFIED))
        message.set("intent_ranking", [dict(entry) for entry in RANKING])
        detector.process([message])
        trained_extractor.component.process([message])
        details_only.process([message])
        return message

    return run


@pytest.mark.parametrize(
    "text",
    [
        "Liaoning",
        "qinghai",
        "Guangdong!",
        "actually I'm in Hunan",
        "we are based in sichaun province",
        "individual",
        "we are a company",
        "I'm German",
        "US citizen",
        "I'm from Hong Kong",
        "it's a personal website",
        "I'm an individual in Zhejiang",
        "我在广东",
        "广东省。",
        "其实我们在内蒙古",
        "我是个人",
        "我们是企业",
        "我是香港居民",
        "粤",
        "外籍",
        "Inner Mongolia, and we are a company",
    ],
)
def test_details_only_messages_become_inform(
    classify: Callable[[str], Message], text: str
) -> None:
    message = classify(text)
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}
    assert message.get("intent_ranking") == [
        {"name": "inform", "confidence": 1.0},
        {"name": "faq_documents", "confidence": 0.6},
        {"name": "greet", "confidence": 0.1},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "how do I upload documents in Guangdong",
        "can I use the app in Liaoning?",
        "what does a company need to upload",
        "Guangdong 2021",
        "Hunan привет",
        "广东可以用APP上传吗",
        "个人需要什么材料",
        "企业怎么盖章",
        "hello",
        "你好",
        "business license",
        "😀",
    ],
)
def test_other_messages_keep_their_intent(
    classify: Callable[[str], Message], text: str
) -> None:
    message = classify(text)
    assert message.get("intent") == CLASSIFIED
    assert message.get("intent_ranking") == RANKING


def test_message_without_ranking(trained_extractor: Built, tmp_path: Path) -> None:
    details_only = build(
        DetailsOnlyIntent, tmp_path, train=False, lexicon_path=str(LEXICON_PATH)
    ).component
    [message] = trained_extractor.component.process(messages("Anhui"))
    details_only.process([message])
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "inform", "confidence": 1.0}]


@pytest.mark.parametrize(
    "text",
    ["what about someone from Macau?", "and what about Hunan?", "how about if it's a company",
     "那广东呢？", "如果是台湾同胞呢", "换成湖南的话呢"],
)
def test_follow_ups_that_only_swap_a_detail_are_inform(classify, text):
    assert classify(text).get("intent")["name"] == "inform"


@pytest.fixture(scope="module")
def classify_as_inform(
    trained_extractor: Built, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Message]:
    """Like ``classify``, with a classifier that said `inform` (details look like inform)."""
    storage = tmp_path_factory.mktemp("inform_question")
    detector = build(LanguageDetector, storage / "language", train=False).component
    details_only = build(
        DetailsOnlyIntent, storage / "inform", train=False, lexicon_path=str(LEXICON_PATH)
    ).component

    def run(text: str) -> Message:
        [message] = messages(text)
        message.set("intent", {"name": "inform", "confidence": 0.6})
        message.set("intent_ranking", [
            {"name": "inform", "confidence": 0.6},
            {"name": "foreign_credentials", "confidence": 0.3},
            {"name": "greet", "confidence": 0.1},
        ])
        detector.process([message])
        trained_extractor.component.process([message])
        details_only.process([message])
        return message

    return run


@pytest.mark.parametrize(
    "text",
    ["I'm from Hong Kong, can I use my HKID?", "I'm not a Chinese citizen. Can I still file?",
     "我是台湾人，用什么证件？"],
)
def test_details_with_a_question_are_never_inform(classify_as_inform, text):
    message = classify_as_inform(text)
    intent = message.get("intent")
    assert intent["name"] == "foreign_credentials"
    assert intent["confidence"] == pytest.approx(0.75)
    assert [e["name"] for e in message.get("intent_ranking")] == ["foreign_credentials", "greet"]


def test_a_statement_the_classifier_calls_inform_stays_inform(classify_as_inform):
    assert classify_as_inform("I'm not a Chinese citizen").get("intent")["name"] == "inform"


def _classified_as(trained_extractor: Built, storage: Path, text: str, intent: str, confidence: float) -> Message:
    detector = build(LanguageDetector, storage / "language", train=False).component
    details_only = build(
        DetailsOnlyIntent, storage / "inform", train=False, lexicon_path=str(LEXICON_PATH)
    ).component
    [message] = messages(text)
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [
        {"name": intent, "confidence": confidence},
        {"name": "inform", "confidence": 1 - confidence},
    ])
    detector.process([message])
    trained_extractor.component.process([message])
    details_only.process([message])
    return message


@pytest.mark.parametrize(
    "text, intent, confidence, expected",
    [
        # A statement of details the classifier would decline, or is unsure of, gives details.
        ("本人香港身份，目前在广州工作", "out_of_scope", 0.51, "inform"),
        ("Correction: we relocated, so the filing will be in Guangxi now.", "icp_other", 0.48, "inform"),
        ("Born in Macao, now working in Zhuhai.", "faq_documents", 0.3, "inform"),
        # A confident decline, an FAQ answer, a question or a message without details stay.
        ("book a flight to guangzhou", "out_of_scope", 0.95, "out_of_scope"),
        ("我在广东，上传一直失败", "faq_cannot_upload", 0.6, "faq_cannot_upload"),
        ("我们公司在北京，是要注销重新备，还是直接做变更", "icp_other", 0.5, "icp_other"),
        ("the weather is nice today", "out_of_scope", 0.5, "out_of_scope"),
        # A statement of the details that decide the answer the classifier chose gives details,
        # however sure the classifier is: a topic under way is answered again for them.
        ("补充一下：网站负责人是香港居民，备案地在上海。", "foreign_credentials", 0.9, "inform"),
        ("FYI I'm a foreigner (French passport), filing as an individual.", "foreign_credentials", 0.9, "inform"),
        # A statement that says it describes the case gives details, whatever it looks like.
        ("先说下情况：北京的公司，网站负责人就是法人本人，准备走阿里云备案。", "checklist", 0.65, "inform"),
        ("我这边是河南郑州的公司，上周刚被管局退回一次，先跟你说一下情况。", "rejected_reupload", 0.9, "inform"),
        ("Some context: we're a small company in Hubei, first filing.", "checklist", 0.8, "inform"),
        ("补充一下，核验单在哪下载？", "faq_authenticity_statement", 0.9, "faq_authenticity_statement"),
        # Only the announcement: more is coming, whatever the classifier makes of it.
        ("先说下情况：", "goodbye", 0.55, "inform"),
        ("补充一下", "authorization_letter", 0.58, "inform"),
        ("Some context:", "human_handoff", 0.3, "inform"),
        # Not when it names one of the FAQ's things, nor when it offers a choice.
        ("广东个人备案 核验单签字", "authenticity_form", 0.9, "authenticity_form"),
        ("日本籍，住上海，个人备案证件交护照还是居留许可", "foreign_credentials", 0.9, "foreign_credentials"),
    ],
)
def test_statements_of_details_are_not_declined_unless_the_classifier_is_sure(
    trained_extractor: Built, tmp_path: Path, text: str, intent: str, confidence: float, expected: str
) -> None:
    message = _classified_as(trained_extractor, tmp_path, text, intent, confidence)
    assert message.get("intent")["name"] == expected


def test_the_thresholds_in_config_are_the_fallback_classifiers() -> None:
    # config.yml repeats the FallbackClassifier's threshold for the components that must gate
    # like it: a hand-kept copy, so a change of one without the others fails here.
    import yaml

    from bot import settings

    pipeline = yaml.safe_load((settings.ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    by_name = {step["name"]: step for step in pipeline}
    fallback = by_name["bot.nlu.fallback.AnswerFallbackClassifier"]
    assert by_name["bot.nlu.inform.DetailsOnlyIntent"]["threshold"] == fallback["threshold"]
    collector = by_name["bot.nlu.compound.CompoundCollector"]
    assert collector["threshold"] == fallback["threshold"]
    assert collector["ambiguity_threshold"] == fallback["ambiguity_threshold"]
