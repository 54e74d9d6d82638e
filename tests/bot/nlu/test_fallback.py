"""bot.nlu.fallback: the whole message's fallback gate spares interchangeable answers."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fallback import AnswerFallbackClassifier
from tests.bot.nlu.components import build


def _classified(ranking) -> Message:
    message = Message(data={"text": "重庆，个人备案，我需要准备哪些材料？"})
    message.set("intent", dict(ranking[0]))
    message.set("intent_ranking", [dict(entry) for entry in ranking])
    return message


@pytest.mark.parametrize("ranking, expected", [
    # The documents list and the personal checklist answer each other's questions: no doubt.
    ([{"name": "faq_documents", "confidence": 0.46}, {"name": "checklist", "confidence": 0.44}], "faq_documents"),
    ([{"name": "checklist", "confidence": 0.46}, {"name": "faq_documents", "confidence": 0.44}], "checklist"),
    # Any other two close intents are a doubt, as for Rasa's FallbackClassifier...
    ([{"name": "faq_documents", "confidence": 0.46}, {"name": "faq_image_requirements", "confidence": 0.44}],
     "nlu_fallback"),
    # ...and a low confidence is one whatever the runner-up.
    ([{"name": "faq_documents", "confidence": 0.30}, {"name": "checklist", "confidence": 0.29}], "nlu_fallback"),
    ([{"name": "faq_documents", "confidence": 0.90}, {"name": "checklist", "confidence": 0.05}], "faq_documents"),
])
def test_interchangeable_answers_are_no_ambiguity(tmp_path: Path, ranking, expected: str) -> None:
    gate = build(AnswerFallbackClassifier, tmp_path, train=False, threshold=0.35, ambiguity_threshold=0.05).component
    [message] = gate.process([_classified(ranking)])
    assert message.get("intent")["name"] == expected
