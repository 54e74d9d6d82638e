"""Opt-in features of serve.sh: Rasa's HTTP API only with a token, CORS only for exact origins."""
from __future__ import annotations

import os
import subprocess

import pytest

from bot.devtools.ports import free_ports
from tests.faults.bots import ALLOWED_ORIGIN, REPO, SERVE, port_free, request

pytestmark = pytest.mark.faults


def test_api_needs_the_token(fault_bot):
    url = f"{fault_bot.url}/conversations/fault-api/tracker"
    assert request(url)[0] == 401
    assert request(url + "?token=wrong")[0] == 401
    assert request(f"{fault_bot.url}/status")[0] == 401
    assert request(f"{url}?token={fault_bot.env['RASA_AUTH_TOKEN']}")[0] == 200


@pytest.mark.parametrize(
    "origin",
    ["https://help.example.com.evil.net", "https://help.example.com:8443", "http://help.example.com",
     "https://evil.net"],
)
def test_only_the_configured_origin_gets_cors_headers(fault_bot, origin):
    webhook = f"{fault_bot.url}/webhooks/rest/webhook"
    message = {"sender": "fault-cors", "message": "hi"}
    _, _, headers = request(webhook, message, headers={"Origin": ALLOWED_ORIGIN})
    assert headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN

    _, _, headers = request(webhook, message, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in headers
    _, _, headers = request(
        webhook,
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        method="OPTIONS",
    )
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"RASA_ENABLE_API": "1", "RASA_AUTH_TOKEN": ""}, "RASA_ENABLE_API=1 needs RASA_AUTH_TOKEN"),
        ({"CORS_ORIGINS": "https://*.example.com"}, "invalid CORS origin"),
    ],
    ids=["api-without-token", "wildcard-origin"],
)
def test_serve_refuses_unsafe_settings(settings, message):
    rasa_port, action_port = free_ports(2)
    env = dict(os.environ, RASA_PORT=str(rasa_port), ACTION_SERVER_PORT=str(action_port), **settings)
    result = subprocess.run(
        [str(SERVE), "start"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and message in result.stderr
    assert port_free(rasa_port) and port_free(action_port), "nothing may have been started"
