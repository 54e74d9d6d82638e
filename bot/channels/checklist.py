"""The personal document checklist as JSON and as a printable page (see ``bot.core.checklist``).

Configured in credentials.yml as ``bot.channels.checklist.ChecklistInput:``; it handles no chat
messages. Both routes take the same query parameters: ``province`` (key, English, pinyin or
Chinese name), ``applicant_type`` (individual | organization), ``residency`` (mainland |
hong_kong | macao | taiwan | foreign), ``domains`` (1..1000), optional ``alibaba`` and ``app``
(yes | no) and ``lang`` (en | zh, English by default).

- ``GET /webhooks/checklist``: 200 with the checklist (``Checklist.as_dict()``); 400 with
  ``{"error", "field", "valid"}`` naming the valid values of the missing or invalid parameter;
  503 when the rules database is down.
- ``GET /help/checklist``: the same checklist as an HTML page with a print stylesheet
  (``web/help/checklist.html``, ``checklist.css``, ``checklist.js``), every value HTML-escaped,
  with the help page's security headers; the same errors as a short HTML page.
"""
from __future__ import annotations

import html
import logging
from string import Template
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels.http import json_response
from bot.channels.web import HELP_PAGE
from bot.core.checklist import (
    API_PATH,
    PAGE_PATH,
    Checklist,
    ChecklistError,
    build_checklist,
    checklist_texts,
    parse_request,
)
from bot.rules.repository import RulesRepository, RulesUnavailable

logger = logging.getLogger(__name__)

PAGE_TEMPLATE = settings.ROOT / "web" / "help" / "checklist.html"
PARAMETERS = ("province", "applicant_type", "residency", "domains", "alibaba", "app", "lang")
UNAVAILABLE = "The province rules are unavailable right now. Please try again later."


def query_params(request: Request) -> Dict[Text, Optional[Text]]:
    """The checklist parameters of a request (the first value of each)."""
    return {name: request.args.get(name) for name in PARAMETERS}


def checklist_for(
    params: Mapping[Text, Optional[Text]], repository: RulesRepository
) -> Checklist:
    """Validates the parameters and builds the checklist.

    Raises:
        ChecklistError: A parameter is missing or invalid.
        RulesUnavailable: The rules database cannot be queried.
    """
    return build_checklist(parse_request(params, repository), repository)


def render_page(checklist: Checklist) -> Text:
    """The printable page of a checklist; every value is HTML-escaped."""
    titles = checklist_texts()["titles"]
    language = checklist.request.language
    label = titles["source"][language]
    items = []
    for item in checklist.items:
        source = item.source
        items.append(
            f'<li data-key="{html.escape(item.key)}">{html.escape(item.text)}'
            f'<span class="checklist__source">{html.escape(label)}: FAQ “'
            f'{html.escape(source["section"])}” ({html.escape(source["anchor"])}), '
            f'<a href="{html.escape(source["url"])}">{html.escape(source["url"])}</a></span></li>'
        )
    template = Template(PAGE_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        lang="zh-CN" if language == "zh" else "en",
        heading=html.escape(checklist.heading),
        summary=html.escape(checklist.summary),
        print=html.escape(titles["print"][language]),
        items="\n".join(items),
        valid_as_of=html.escape(checklist.valid_as_of_line or ""),
    )


def _error_page(status: int, message: Text) -> HTTPResponse:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checklist</title>'
        f"</head><body><p>{html.escape(message)}</p></body></html>"
    )
    return response.html(body, status=status, headers=HELP_PAGE.headers)


class ChecklistInput(InputChannel):
    """``GET /webhooks/checklist`` (JSON) and ``GET /help/checklist`` (printable page)."""

    def __init__(self, repository: Optional[RulesRepository] = None) -> None:
        """Creates the channel; ``repository`` defaults to the process-wide rules database."""
        self._repository = repository

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ChecklistInput":
        """No settings."""
        return cls()

    @classmethod
    def name(cls) -> Text:
        """Channel name."""
        return "checklist"

    def url_prefix(self) -> Text:
        """Mounted at the server root: the routes are exactly the paths above."""
        return "/"

    @property
    def repository(self) -> RulesRepository:
        """The injected repository, or one over ``RULES_DB_URL`` created on first use."""
        if self._repository is None:
            self._repository = RulesRepository()
        return self._repository

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The API and page routes."""
        routes = Blueprint("checklist", __name__)

        @routes.route(API_PATH, methods=["GET"])
        async def api(request: Request) -> HTTPResponse:
            try:
                checklist = checklist_for(query_params(request), self.repository)
            except ChecklistError as error:
                return json_response(400, error.as_dict())
            except RulesUnavailable:
                logger.exception("Rules database unavailable for a checklist")
                return json_response(503, {"error": UNAVAILABLE})
            return json_response(200, checklist.as_dict())

        @routes.route(PAGE_PATH, methods=["GET", "HEAD"])
        async def page(request: Request) -> HTTPResponse:
            try:
                checklist = checklist_for(query_params(request), self.repository)
            except ChecklistError as error:
                valid = ", ".join(error.valid)
                return _error_page(400, f"{error} Valid values: {valid}")
            except RulesUnavailable:
                logger.exception("Rules database unavailable for a checklist page")
                return _error_page(503, UNAVAILABLE)
            return response.html(render_page(checklist), headers=HELP_PAGE.headers)

        return routes
