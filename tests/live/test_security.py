"""Security defaults of the running bot (started by scripts/test.sh with no opt-ins).

- Rasa's HTTP API is off: the conversation, model and status routes do not exist.
- No CORS headers for any origin (the help page is same-origin).
- The action server listens on loopback only, and its errors never echo the request body.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

pytestmark = pytest.mark.live

MARKER = "private-detail-7f3a91"


def call(url: str, body: bytes = None, headers: Dict[str, str] = None) -> Tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.mark.parametrize(
    "path", ["/conversations/live-x/tracker", "/conversations/live-x/messages", "/status", "/domain", "/version"]
)
def test_http_api_is_off(bot_url, path):
    assert call(bot_url + path)[0] in (403, 404)


def test_model_routes_are_off(bot_url):
    assert call(bot_url + "/model/parse", b'{"text": "hi"}')[0] in (403, 404, 405)


def test_no_cors_headers_by_default(bot_url):
    _, _, headers = call(
        bot_url + "/webhooks/rest/webhook",
        json.dumps({"sender": "live-cors", "message": "hi"}).encode(),
        {"Content-Type": "application/json", "Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in headers


@pytest.fixture(scope="module")
def action_port() -> int:
    port = os.environ.get("ACTION_SERVER_PORT")
    if not port:
        pytest.skip("ACTION_SERVER_PORT not set: scripts/test.sh exports it")
    return int(port)


def listening_addresses(port: int) -> List[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.append(address)
    return found


def test_action_server_listens_on_loopback_only(action_port):
    addresses = listening_addresses(action_port)
    assert addresses, f"nothing listens on {action_port}"
    # 127.0.0.1 in /proc/net/tcp's little-endian hex; never 0.0.0.0 or an IPv6 wildcard.
    assert set(addresses) == {"0100007F"}, addresses


def test_action_server_errors_do_not_echo_the_request(action_port):
    url = f"http://127.0.0.1:{action_port}/webhook"
    # asked_details must be a list; an int makes the action itself raise (TypeError).
    body = {
        "next_action": "action_authenticity_form",
        "sender_id": "live-echo",
        "tracker": {
            "sender_id": "live-echo",
            "slots": {"asked_details": 5},
            "latest_message": {"text": f"my ID number is {MARKER}"},
            "events": [],
        },
        "domain": {},
    }
    for payload in (body, {**body, "tracker": MARKER}):
        status, raw, _ = call(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        assert status == 500
        assert MARKER.encode() not in raw
        assert json.loads(raw) == {"error": "Internal error in the action server."}

    # An unknown action is answered with its name only (Rasa reads it), never the tracker.
    status, raw, _ = call(
        url,
        json.dumps({**body, "next_action": "action_nonexistent"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 404 and MARKER.encode() not in raw
