"""The health endpoint of the running bot: everything it depends on is up."""
from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.live


@pytest.mark.parametrize("path", ["/webhooks/health/", "/webhooks/health"])
def test_healthy_bot_reports_ok(bot_url, path):
    with urllib.request.urlopen(bot_url + path, timeout=30) as resp:
        assert resp.status == 200
        body = json.loads(resp.read())
    assert body["status"] == "ok"
    assert body["model_loaded"] is True
    assert (body["action_server"], body["tracker_store"], body["rules_db"]) == ("ok", "ok", "ok")


def test_launcher_patches_and_turn_gate_are_on(bot_url):
    # scripts/serve.sh serves through bot.server.launch on the Rasa version the patches were
    # written for, so every patch is in effect.
    from bot.server.patches import REGISTRY

    with urllib.request.urlopen(bot_url + "/webhooks/health/", timeout=30) as resp:
        body = json.loads(resp.read())
    assert body["patches"] == [p.name for p in REGISTRY]
    assert (body["turn_gate"], body["tensorflow_guard"]) == ("on", "on")
