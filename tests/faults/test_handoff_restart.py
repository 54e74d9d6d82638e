"""Rasa restarted during a handoff: the conversation stays with the agents, claimed by the same
agent, and what the user typed meanwhile is kept (queue in the tracker store, claims in SQL)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.bots import REPO, request, texts

pytestmark = pytest.mark.faults


def add_agent(env, name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.agents", "add", name], env=env, cwd=REPO,
        check=True, capture_output=True, text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_handoff_survives_a_restart(fault_bot):
    sender = "fault-handoff-1"
    headers = {"Authorization": f"Bearer {add_agent(fault_bot.env, 'restart-tester')}"}
    api = f"{fault_bot.url}/webhooks/agent/conversations"
    fault_bot.say(sender, "which documents do I upload?")
    assert "in the queue" in texts(fault_bot.say(sender, "i want to talk to a human"))
    status, claimed, _ = request(f"{api}/{sender}/claim", {}, headers)
    assert (status, claimed["agent"]) == (200, "restart-tester")

    fault_bot.restart()

    # Still handed off: the bot does not answer, and keeps what the user types for the agent.
    assert fault_bot.say(sender, "hello, still there?") == []
    status, shown, _ = request(f"{api}/{sender}", headers=headers)
    assert status == 200 and shown["status"] == "active" and shown["holder"] == "restart-tester"
    assert shown["events"][-1]["text"] == "hello, still there?"
    status, listed, _ = request(f"{api}?status=active", headers=headers)
    assert sender in [c["sender_id"] for c in listed["conversations"]]
    status, _, _ = request(f"{api}/{sender}/release", {}, headers)
    assert status == 200
    assert "For ICP Filing you upload" in texts(fault_bot.say(sender, "which documents do I upload?"))
