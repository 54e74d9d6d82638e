"""Typed /intent{...} commands (bot/core/commands.py): only offered buttons pass."""
from __future__ import annotations

import pytest

from bot.core.commands import BUTTON, RESTART, TEXT, Screened, parse, screen

PROVINCES = {"beijing", "anhui", "guangdong"}
OFFERED = ['/inform{"province": "anhui"}', "/faq_documents", '/inform{"applicant_type": "individual"}']


@pytest.mark.parametrize(
    "text, expected",
    [
        ("which documents?", Screened(TEXT, "which documents?")),
        ('/inform{"province": "anhui"}', Screened(BUTTON, '/inform{"province": "anhui"}')),
        ('/inform{"province":"anhui"}', Screened(BUTTON, '/inform{"province":"anhui"}')),
        ("/faq_documents", Screened(BUTTON, "/faq_documents")),
        ("/greet", Screened(BUTTON, "/greet")),
        ('/greet{"language": "zh"}', Screened(BUTTON, '/greet{"language": "zh"}')),
        ("/restart", Screened(RESTART, "/restart")),
        ("/session_start", Screened(RESTART, "/session_start")),
        ('/restart{"x": 1}', Screened(RESTART, '/restart{"x": 1}')),
        # Not offered: read as text, so it can do no more than typing the words would.
        ('/inform{"province": "beijing"}', Screened(TEXT, 'inform{"province": "beijing"}')),
        ('/inform{"residency": "hong_kong"}', Screened(TEXT, 'inform{"residency": "hong_kong"}')),
        ("/human_handoff", Screened(TEXT, "human_handoff")),
        ('/greet{"province": "anhui"}', Screened(TEXT, 'greet{"province": "anhui"}')),
        ('/greet{"language": "fr"}', Screened(TEXT, 'greet{"language": "fr"}')),
        ("/inform{broken", Screened(TEXT, "inform{broken")),
        ("//", Screened(TEXT, "")),
    ],
)
def test_screen(text: str, expected: Screened) -> None:
    assert screen(text, OFFERED, PROVINCES) == expected


def test_an_offered_payload_with_an_invalid_value_is_refused() -> None:
    offered = ['/inform{"province": "atlantis"}', '/inform{"applicant_type": "robot"}']
    for payload in offered:
        assert screen(payload, offered, PROVINCES).decision == TEXT


def test_parse() -> None:
    command = parse('/inform@0.9{"province": "anhui"}')
    assert command is not None and command.intent == "inform"
    assert command.entities == {"province": "anhui"}
    assert parse("/inform[1]") is not None and parse('/x{"a": [1') is None
    assert parse("/inform[1, 2]").entities == {}
    assert parse('/inform{"a": 1}').key() == parse('/inform{ "a" : 1 }').key()
    assert parse("hello") is None


def _domain_button_payloads():
    import yaml

    from bot import settings

    payloads = set()
    for path in (settings.ROOT / "domain").glob("*.yml"):
        for variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).values():
            for variation in variations:
                for button in variation.get("buttons") or []:
                    # Domain payloads escape braces for Rasa's templating ({{ -> {).
                    payloads.add(button["payload"].replace("{{", "{").replace("}}", "}"))
    return sorted(payloads)


@pytest.mark.parametrize("payload", _domain_button_payloads())
def test_every_button_the_domain_offers_passes_when_offered(payload):
    from bot.rules.models import PROVINCE_KEYS

    assert screen(payload, [payload], set(PROVINCE_KEYS)) == Screened(BUTTON, payload)


def test_a_payload_nested_too_deep_is_no_command_instead_of_a_crash():
    deep = '/faq_documents{"a":' + "[" * 1990 + "]" * 1990 + "}"
    assert parse(deep) is None
