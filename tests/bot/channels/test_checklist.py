"""GET /webhooks/checklist (JSON) and GET /help/checklist (printable page): 200 and 400 cases."""
from __future__ import annotations

import http.client
import json
from typing import Dict, Iterator, Tuple
from urllib.parse import urlencode

import pytest

from tests.helpers import ThreadedSanicServer

from bot.channels.checklist import ChecklistInput, render_page
from bot.channels.web import HelpPageInput
from bot.core.checklist import build_checklist, parse_request

JIANGXI_HK = {"province": "江西", "applicant_type": "individual", "residency": "hong_kong", "domains": "3"}


class Server(ThreadedSanicServer):
    """The app with the channel(s) under test (see ``tests.helpers.ThreadedSanicServer``)."""

    def __init__(self, channel) -> None:
        self.channel = channel
        super().__init__("checklist_test", [channel, HelpPageInput()])

    def get(self, path: str, params: Dict[str, str]) -> Tuple[int, Dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", f"{path}?{urlencode(params)}")
            answer = connection.getresponse()
            body = answer.read().decode("utf-8")
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server(rules_repo) -> Iterator[Server]:
    running = Server(ChecklistInput(rules_repo))
    yield running
    running.stop()


def test_api_returns_the_checklist(server: Server) -> None:
    status, headers, body = server.get("/webhooks/checklist", {**JIANGXI_HK, "lang": "en"})
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert data["province"]["key"] == "jiangxi" and data["domains"] == 3
    keys = [item["key"] for item in data["items"]]
    assert "multi_domain" in keys and "form_signing" in keys
    assert all(item["source"]["anchor"].startswith("#section_") for item in data["items"])
    assert data["page"].startswith("/help/checklist?")
    assert data["rules_valid_as_of"]


def test_api_in_chinese(server: Server) -> None:
    status, _, body = server.get("/webhooks/checklist", {**JIANGXI_HK, "lang": "zh"})
    assert status == 200
    assert any("按指纹" in item["text"] for item in json.loads(body)["items"])


@pytest.mark.parametrize(
    "change, field",
    [
        ({"province": "Narnia"}, "province"),
        ({"applicant_type": ""}, "applicant_type"),
        ({"residency": "moon"}, "residency"),
        ({"domains": "-2"}, "domains"),
        ({"lang": "de"}, "lang"),
    ],
)
def test_api_400_names_the_valid_values(server: Server, change, field) -> None:
    status, _, body = server.get("/webhooks/checklist", {**JIANGXI_HK, **change})
    assert status == 400
    data = json.loads(body)
    assert data["field"] == field and data["valid"] and data["error"]


def test_api_400_for_a_missing_parameter(server: Server) -> None:
    params = {k: v for k, v in JIANGXI_HK.items() if k != "residency"}
    status, _, body = server.get("/webhooks/checklist", params)
    assert status == 400
    assert json.loads(body)["valid"] == ["mainland", "hong_kong", "macao", "taiwan", "foreign"]


def test_page_is_printable_and_strict(server: Server) -> None:
    status, headers, body = server.get("/help/checklist", JIANGXI_HK)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert '<link rel="stylesheet" href="/help/checklist.css">' in body
    assert "fingerprint" in body and "widened domain name area" in body and "4 MB" in body


def test_page_files_are_served(server: Server) -> None:
    status, _, css = server.get("/help/checklist.css", {})
    assert status == 200 and "@media print" in css


def test_page_400_is_html(server: Server) -> None:
    status, headers, body = server.get("/help/checklist", {**JIANGXI_HK, "domains": "<b>x</b>"})
    assert status == 400
    assert headers["content-type"].startswith("text/html")
    assert "<b>" not in body


def test_page_escapes_every_value(rules_repo) -> None:
    checklist = build_checklist(parse_request(JIANGXI_HK, rules_repo), rules_repo)
    item = checklist.items[0]
    hostile = type(item)(key=item.key, text="<script>x</script>", source=item.source)
    page = render_page(type(checklist)(**{**checklist.__dict__, "items": (hostile,)}))
    assert "<script>x" not in page and "&lt;script&gt;" in page
