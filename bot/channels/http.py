"""Request helpers shared by every JSON endpoint of the channels (one set of input rules)."""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Mapping, Optional, Text

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.limits import MAX_JSON_DEPTH, json_text_depth

#: The key of the response name in a bot message's metadata (Rasa stores it with each message;
#: the web widget tags its bubbles with it, feedback names the answer rated by it).
ANSWER_KEY = "utter_action"

logger = logging.getLogger(__name__)

#: Largest JSON request body any endpoint reads.
MAX_BODY_BYTES = 64 * 1024
#: Responses to API calls are never cached.
JSON_HEADERS = {"Cache-Control": "no-store"}


class RequestError(Exception):
    """A request we refuse, with its HTTP status and a message for the client."""

    def __init__(self, status: int, message: Text) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_object(raw: bytes, example: Text) -> Dict[Text, Any]:
    """Decodes a request body that must be a JSON object.

    Args:
        raw: The request body.
        example: The expected shape, quoted in the error messages.

    Raises:
        RequestError: 413 over ``MAX_BODY_BYTES``; 400 when not UTF-8 JSON, nested deeper than
            ``MAX_JSON_DEPTH`` or not an object.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise RequestError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(400, "Request body is not valid UTF-8.")
    # Measured before decoding: the decoder recurses once per level.
    if json_text_depth(text) > MAX_JSON_DEPTH:
        raise RequestError(
            400, f"Request body is nested deeper than {MAX_JSON_DEPTH} levels. Send {example}."
        )
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise RequestError(400, f"Request body is not valid JSON. Send {example}.")
    if not isinstance(body, dict):
        raise RequestError(400, f"Request body must be a JSON object: {example}.")
    return body


def json_response(
    status: int, payload: Mapping[Text, Any], headers: Optional[Mapping[Text, Text]] = None
) -> HTTPResponse:
    """A JSON response that no cache keeps."""
    return response.json(dict(payload), status=status, headers={**JSON_HEADERS, **(headers or {})})


def error_response(
    error: RequestError, headers: Optional[Mapping[Text, Text]] = None
) -> HTTPResponse:
    """The JSON ``{"error": ...}`` answer to a refused request."""
    return json_response(error.status, {"error": error.message}, headers)


def refuse(
    request: Request, error: RequestError, headers: Optional[Mapping[Text, Text]] = None
) -> HTTPResponse:
    """Logs one line about a refused request (never a traceback, never the body) and answers
    with its JSON error."""
    log_refused(request, error.status, error.message)
    return error_response(error, headers)


def log_refused(request: Request, status: int, message: Text) -> None:
    """The one log line of a refused request: method, path, status and the reason given."""
    logger.info("Refused %s %s: %d %s", request.method, request.path, status, message)


# --- the same HTTP behaviour on every path ---------------------------------------------------


def _json_error(request: Request, exception: Exception) -> HTTPResponse:
    """Sanic's 404 and 405 as JSON (Sanic answers them with an HTML page otherwise)."""
    status = getattr(exception, "status_code", 500)
    message = "Not found." if status == 404 else f"Method {request.method} is not allowed here."
    log_refused(request, status, message)
    headers = dict(getattr(exception, "headers", None) or {})  # 405: the Allow header
    return json_response(status, {"error": message}, headers)


async def _no_placeholder_headers(request: Request, response_: HTTPResponse) -> None:
    """Drops the literal "None" headers of bodiless answers (sanic-cors' OPTIONS answers).

    sanic-cors answers OPTIONS with an ``HTTPResponse()`` that has no content type, and Sanic
    21.12 then sends ``content-type: None`` (and ``Access-Control-Max-Age: None`` when no
    maximum age is configured). A 204 has no body, so Sanic adds no content type to it.
    """
    if response_ is None:
        return
    if response_.status == 200 and not response_.body and response_.content_type is None:
        response_.status = 204
    for name in ("content-type", "access-control-max-age"):
        if response_.headers.get(name) == "None":
            del response_.headers[name]


def consistent_http(blueprint: Any) -> None:
    """Makes the whole server answer 404/405 in JSON and drops "None" headers.

    Registered by a channel's blueprint (when the server starts, once per app), so it also
    applies under plain ``rasa run``, which knows nothing of this module.
    """

    @blueprint.listener("before_server_start")
    async def install(app: Any, _: Any) -> None:
        if getattr(app.ctx, "icp_consistent_http", False):
            return
        app.ctx.icp_consistent_http = True
        from sanic.exceptions import MethodNotSupported, NotFound

        app.error_handler.add(NotFound, _json_error)
        app.error_handler.add(MethodNotSupported, _json_error)
        app.register_middleware(_no_placeholder_headers, "response")
