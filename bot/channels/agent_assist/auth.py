"""Who may use the agent API: a Bearer token, compared in constant time.

The token is ``AGENT_ASSIST_TOKEN`` or, when that is unset, the local one that
``scripts/agent_token.sh`` generated in ``var/agent_assist_token``. With neither, every
request is refused with 503: an assistant that reads customers' conversations must never run
open by accident.
"""
from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import Callable, Optional, Text

from bot import settings
from bot.channels.http import RequestError

logger = logging.getLogger(__name__)

TOKEN_ENV = "AGENT_ASSIST_TOKEN"
TOKEN_FILE = settings.VAR_DIR / "agent_assist_token"
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="agent_assist"'}


def configured_token(token_file: Optional[Path] = None) -> Optional[Text]:
    """The token agents must present: ``AGENT_ASSIST_TOKEN``, else the generated local one.

    Read on every request, so a rotated token takes effect without a restart.

    Args:
        token_file: Where the generated token is; ``TOKEN_FILE`` by default.

    Returns:
        The token, or None when neither is set (the API is then closed).
    """
    token = settings.get(TOKEN_ENV).strip()
    if token:
        return token
    path = token_file or TOKEN_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except OSError:
        logger.exception("Cannot read the agent assist token file %s", path)
        return None


def authorize(header: Optional[Text], expected: Optional[Text]) -> None:
    """Checks an ``Authorization`` header against the configured token.

    Raises:
        RequestError: 503 when no token is configured, 401 when the header is missing,
            not a Bearer token, or the token is wrong.
    """
    if not expected:
        raise RequestError(
            503,
            f"Agent assist is disabled: no access token is configured. Set {TOKEN_ENV} "
            "(or start the bot with scripts/serve.sh, which generates a local token).",
        )
    scheme, _, presented = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise RequestError(401, "Missing access token: send 'Authorization: Bearer <token>'.")
    # Bytes, because compare_digest refuses non-ASCII str; surrogateescape, because Sanic keeps
    # header bytes that are not UTF-8 as lone surrogates. Constant time, so the token cannot be
    # guessed from response times.
    presented_bytes = presented.strip().encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(presented_bytes, expected.encode("utf-8")):
        raise RequestError(401, "Invalid access token.")


#: The agent name of whoever presents ``AGENT_ASSIST_TOKEN`` (or the generated local token).
SHARED_TOKEN_AGENT = "assist"


def authenticate_agent(
    header: Optional[Text], expected: Optional[Text], find_agent: Callable[[Text], Optional[Text]]
) -> Text:
    """The agent presenting the ``Authorization`` header.

    Args:
        header: The ``Authorization`` header.
        expected: The shared token (``configured_token()``): it stands for one agent,
            ``SHARED_TOKEN_AGENT``.
        find_agent: The agent of a token from the agents table (``AgentRepository.find``).

    Raises:
        RequestError: 401 when the header is missing or the token is nobody's.
    """
    scheme, _, presented = (header or "").strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        raise RequestError(401, "Missing access token: send 'Authorization: Bearer <token>'.")
    presented_bytes = presented.encode("utf-8", "surrogateescape")
    if expected and hmac.compare_digest(presented_bytes, expected.encode("utf-8")):
        return SHARED_TOKEN_AGENT
    name = find_agent(presented)
    if not name:
        raise RequestError(401, "Invalid access token.")
    return name
