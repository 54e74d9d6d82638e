"""The never-silent fallback picks the general answer of THIS turn's question."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot.channels.safety import intent_of_turn


class FakeAgent:
    def __init__(self, intent=None, fail=False):
        self.intent, self.fail, self.parsed = intent, fail, []

    async def parse_message(self, text):
        self.parsed.append(text)
        if self.fail:
            raise RuntimeError("NLU down")
        return {"intent": {"name": self.intent}}


def tracker_with(text, intent):
    return SimpleNamespace(latest_message=SimpleNamespace(text=text, intent={"name": intent}))


def test_stored_message_of_this_turn_gives_its_intent():
    agent = FakeAgent("greet")
    intent = asyncio.run(intent_of_turn(agent, tracker_with("3 domains in Gansu?", "multi_domain"), "3 domains in Gansu?"))
    assert intent == "multi_domain"
    assert agent.parsed == []


def test_turn_not_stored_is_parsed_again_instead_of_using_the_previous_message():
    agent = FakeAgent("multi_domain")
    intent = asyncio.run(intent_of_turn(agent, tracker_with("hello", "greet"), "3 domains in Gansu?"))
    assert intent == "multi_domain"
    assert agent.parsed == ["3 domains in Gansu?"]


def test_parse_failure_gives_no_intent():
    assert asyncio.run(intent_of_turn(FakeAgent(fail=True), None, "anything")) is None


def test_before_a_model_is_loaded_the_reply_is_in_the_users_language():
    from bot.channels.safety import ensure_reply

    def reply(text):
        [message] = asyncio.run(ensure_reply(None, "u1", text, [], "rest"))
        return message["text"]

    assert reply("how do I upload the app") == (
        "Sorry, the assistant is starting up. Please try again in a moment."
    )
    assert reply("需要上传哪些材料") == "助手正在启动，请稍后再试。"
    assert reply("") == (
        "Sorry, the assistant is starting up. Please try again in a moment. / 助手正在启动，请稍后再试。"
    )


def test_a_compound_message_gets_the_general_answer_of_each_question():
    from bot.core.compound import general_responses
    from bot.core.topics import load_topics

    parts = [
        {"intent": {"name": "multi_domain"}, "confident": True},
        {"intent": {"name": "inform"}, "confident": True},
        {"intent": {"name": "faq_image_requirements"}, "confident": False},
        {"intent": {"name": "faq_documents"}, "confident": True},
    ]
    parse = {"intent": {"name": "compound_question"}, "compound": parts}
    assert general_responses(parse, load_topics()) == ["utter_multi_domain_general", "utter_faq_documents"]
    assert general_responses({"intent": {"name": "greet"}}, load_topics()) == ["utter_greet"]
    assert general_responses({"intent": {"name": "nonsense"}}, load_topics()) == []


def test_a_request_for_a_person_is_not_promised_when_no_action_can_hand_over():
    from bot.core.compound import general_responses
    from bot.core.topics import load_topics

    assert general_responses({"intent": {"name": "human_handoff"}}, load_topics()) == ["utter_handoff_unavailable"]
    parts = [{"intent": {"name": "faq_cannot_upload"}, "confident": True},
             {"intent": {"name": "human_handoff"}, "confident": True}]
    parse = {"intent": {"name": "compound_question"}, "compound": parts}
    assert general_responses(parse, load_topics()) == ["utter_faq_cannot_upload", "utter_handoff_unavailable"]


def test_a_rendered_variation_arrives_without_its_selector():
    from bot.channels.safety import render

    chosen = {"text": "请输入你想问的问题", "condition": [{"type": "slot", "name": "language", "value": "zh"}],
              "channel": None, "buttons": []}
    agent = SimpleNamespace(nlg=SimpleNamespace(generate_from_slots=lambda name, slots, channel: dict(chosen)))
    assert render(agent, ["utter_empty_message"], {"language": "zh"}, "u1", "rest") == [
        {"recipient_id": "u1", "text": "请输入你想问的问题"}
    ]
