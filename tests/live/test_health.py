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
