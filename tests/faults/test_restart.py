"""Rasa restarted mid-conversation: details, language and history survive (SQL tracker store)."""
from __future__ import annotations

import pytest

from tests.faults.bots import request, texts

pytestmark = pytest.mark.faults

BEFORE = ["你好", "我在广东，我们是公司"]
QUESTION = "核验单怎么签字？"


def test_conversation_survives_a_restart(fault_bot):
    sender = "fault-restart-1"
    for message in BEFORE:
        fault_bot.say(sender, message)

    fault_bot.restart()

    status, tracker, _ = request(
        f"{fault_bot.url}/conversations/{sender}/tracker?token={fault_bot.env['RASA_AUTH_TOKEN']}"
    )
    assert status == 200
    slots = tracker["slots"]
    assert (slots["province"], slots["applicant_type"], slots["language"]) == (
        "guangdong", "organization", "zh"
    )
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == BEFORE

    # The answer uses the remembered details (Chinese, organisation: official seal) at once.
    reply = texts(fault_bot.say(sender, QUESTION))
    assert "公章" in reply
