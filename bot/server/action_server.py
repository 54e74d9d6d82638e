"""Runs the rasa-sdk action server safely: loopback only, no request echo in errors.

``python -m rasa_sdk`` listens on 0.0.0.0 and its 500 handler returns the request body (the
whole tracker, with everything the user typed) to the caller. This entry point serves the same
app from ``rasa_sdk.endpoint.create_app`` with a handler that logs the error and answers a
generic message, bound to 127.0.0.1 unless ``ACTION_SERVER_HOST`` says otherwise.
"""
from __future__ import annotations

import argparse
import logging
from typing import List, Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from bot import settings

logger = logging.getLogger(__name__)


def build_app(actions_package: str = "actions") -> Sanic:
    """Creates the action server app with a non-echoing error handler."""
    app = create_app(actions_package, cors_origins=None)

    async def error_handler(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500) or 500
        if status >= 500:
            logger.error("Action server error on %s", request.path, exc_info=exception)
            return response.json({"error": "Internal error in the action server."}, status=500)
        return response.json({"error": str(exception)}, status=status)

    app.error_handler.add(Exception, error_handler)
    return app


def main(argv: Optional[List[str]] = None) -> None:
    """Command line entry point: ``python -m bot.server.action_server``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=settings.get_int("ACTION_SERVER_PORT", minimum=1))
    parser.add_argument("--host", default=settings.get("ACTION_SERVER_HOST"))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    build_app(args.actions).run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
