"""Action server down: the user gets general guidance; answers recover without restarting Rasa."""
from __future__ import annotations

import pytest

from tests.faults.bots import APOLOGY, texts, wait_until

pytestmark = pytest.mark.faults

QUESTION = "can I use the app in Fujian?"


def test_action_server_down_then_back(fault_bot):
    assert "available in Fujian" in texts(fault_bot.say("fault-actions-1", QUESTION))

    fault_bot.stop_actions()
    try:
        status, health = fault_bot.health()
        assert (status, health["status"], health["action_server"]) == (
            503, "degraded", "unreachable"
        )
        reply = texts(fault_bot.say("fault-actions-2", QUESTION))
        assert APOLOGY in reply
        # The general answer follows the apology; it names no province, since the province
        # lists come from the database through the actions.
        assert "in some provinces" in reply and "to be determined" in reply
        # Nobody can be asked to join: the reply must not say somebody was.
        reply = texts(fault_bot.say("fault-actions-4", "I want to talk to a human agent please"))
        assert "can't reach the human support agents" in reply and "I've asked" not in reply
    finally:
        fault_bot.start_actions()

    wait_until(lambda: fault_bot.health()[1]["action_server"] == "ok", what="health ok")
    reply = texts(fault_bot.say("fault-actions-3", QUESTION))
    assert "available in Fujian" in reply and APOLOGY not in reply
