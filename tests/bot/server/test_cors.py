"""CORS patterns for ``rasa run --cors``, checked with sanic-cors' own origin matching."""
from __future__ import annotations

import re

import pytest
from sanic_cors.core import get_cors_origins

from bot.server.cors import InvalidOrigin, main, normalize_origin, origin_allowed, origin_patterns

ALLOWED = "https://help.example.com"


def allowed(patterns, origin: str) -> bool:
    """What sanic-cors decides for a request with this Origin header."""
    return get_cors_origins({"origins": patterns}, origin) == [origin]


def test_only_the_exact_origins_are_allowed():
    patterns = origin_patterns(f" {ALLOWED} , http://localhost:8080,")
    assert allowed(patterns, ALLOWED)
    assert allowed(patterns, "https://HELP.example.com")
    assert allowed(patterns, "http://localhost:8080")
    for lookalike in [
        "https://help.example.com.evil.net",
        "https://help.example.com:444",
        "https://help-example.com",
        "https://helpxexample.com",
        "http://help.example.com",
        "https://evil.net/https://help.example.com",
        "https://help.example.com\n",
        "http://localhost:80801",
    ]:
        assert not allowed(patterns, lookalike), lookalike


def test_why_anchoring_matters():
    # An escaped but unanchored pattern is what sanic-cors would prefix-match.
    assert allowed([re.escape(ALLOWED)], "https://help.example.com.evil.net")


@pytest.mark.parametrize(
    "origin",
    ["*", "https://*.example.com", "help.example.com", "ftp://help.example.com",
     "https://help.example.com/", "https://help.example.com/chat", "https://u:p@help.example.com",
     "https://help.example.com:99999", "https://help.example.com?x=1", "https://"],
)
def test_invalid_origins_are_refused(origin: str):
    with pytest.raises(InvalidOrigin):
        origin_patterns(origin)


def test_no_origins_means_no_patterns():
    assert origin_patterns(" , ") == []


def test_command_line(capsys):
    assert main([f"{ALLOWED},{ALLOWED},https://[::1]:8443"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        r"https://help\.example\.com\Z",
        r"https://\[::1\]:8443\Z",
    ]
    assert main(["https://*.example.com"]) == 2
    assert "CORS_ORIGINS" in capsys.readouterr().err


@pytest.mark.parametrize(
    "configured, sent",
    [
        ("https://help.example.com:443", "https://help.example.com"),
        ("http://help.example.com:80", "http://help.example.com"),
        ("https://help.example.com:8443", "https://help.example.com:8443"),
    ],
)
def test_explicit_default_ports_match_what_browsers_send(configured: str, sent: str):
    assert normalize_origin(configured) == sent
    assert re.match(origin_patterns(configured)[0], sent)


def test_a_default_port_on_the_other_scheme_is_kept():
    assert normalize_origin("https://help.example.com:80") == "https://help.example.com:80"


@pytest.mark.parametrize(
    "origin, host, allowed",
    [
        (None, "bot.example.com", True),  # not a browser
        ("https://bot.example.com", "bot.example.com", True),  # the page itself (TLS proxy)
        ("http://127.0.0.1:5005", "127.0.0.1:5005", True),
        ("https://bot.example.com", "bot.example.com:443", True),
        ("https://help.example.com", "bot.example.com", True),  # configured
        ("https://evil.example.net", "bot.example.com", False),
        ("https://bot.example.com.evil.net", "bot.example.com", False),
        ("http://127.0.0.1:5006", "127.0.0.1:5005", False),
        ("null", "bot.example.com", False),
        ("https://evil.example.net", None, False),
    ],
)
def test_origin_allowed(origin, host, allowed):
    assert origin_allowed(origin, host, ["https://help.example.com"]) is allowed
