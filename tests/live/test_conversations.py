"""Multi-turn conversations from tests/e2e/conversations.yml against the live bot."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml

from tests.live.test_rest_webhook import say

pytestmark = pytest.mark.live

CONVERSATIONS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "e2e" / "conversations.yml").read_text(encoding="utf-8")
)


def reply_text(messages) -> str:
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts.extend(str(b.get("title", "")) for b in m.get("buttons") or [])
    return "\n".join(parts)


def cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\u4e00" <= c <= "\u9fff" for c in letters) / max(len(letters), 1)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_conversation(bot_url, conversation):
    sender = "e2e-" + uuid.uuid4().hex[:12]
    for turn in conversation["turns"]:
        status, messages = say(bot_url, turn["say"], sender=sender)
        assert status == 200
        text = reply_text(messages)
        for rx in turn.get("expect", []):
            assert re.search(rx, text, re.I), f"{turn['say']!r}: reply lacks /{rx}/:\n{text}"
        for rx in turn.get("forbid", []):
            assert not re.search(rx, text, re.I), f"{turn['say']!r}: reply has /{rx}/:\n{text}"
        if turn.get("lang") == "zh":
            assert cjk_share(text) >= 0.5, f"{turn['say']!r}: not answered in Chinese:\n{text}"
