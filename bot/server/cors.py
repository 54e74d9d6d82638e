"""Builds the ``rasa run --cors`` patterns that allow exactly the configured origins.

sanic-cors 2.0.1 (used by Rasa 3.6) treats an allowed origin containing ``*``, ``\\``, ``]``
or ``?`` as a regular expression and matches it with ``re.match``, which anchors only the
start: ``https://help\\.example\\.com`` also allows ``https://help.example.com.evil.net``.
Each configured origin is therefore validated, escaped and anchored at the end (``\\Z``, as
``$`` would still accept a trailing newline), so only that exact origin gets CORS headers.

Usage (scripts/serve.sh)::

    python -m bot.server.cors "https://help.example.com,https://www.example.com:8443"

prints one pattern per line, or exits with status 2 and a message on an invalid origin.
"""
from __future__ import annotations

import re
import sys
from typing import List, Optional, Text
from urllib.parse import urlsplit


#: Default port per scheme, which an Origin header never names.
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    """A configured origin is not of the form scheme://host[:port]."""


def normalize_origin(origin: Text) -> Text:
    """Validates one origin and returns it in the form browsers send (lower case).

    Raises:
        InvalidOrigin: not http(s)://host[:port] (a path, query, credentials or wildcard).
    """
    invalid = InvalidOrigin(
        f"invalid CORS origin {origin!r}: expected scheme://host[:port], e.g. "
        f"https://help.example.com"
    )
    parts = urlsplit(origin.strip())
    try:
        port = parts.port
    except ValueError as e:
        raise invalid from e
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
        or "*" in parts.netloc
        or not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", parts.netloc)
    ):
        raise invalid
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    # Browsers leave a scheme's default port out of the Origin header: ":443" on https and
    # ":80" on http must go, or the origin never matches.
    if port == DEFAULT_PORTS[parts.scheme]:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def origin_allowed(origin: Optional[Text], host: Optional[Text], origins: List[Text]) -> bool:
    """Whether a browser's ``Origin`` may use the server: its own page, or a configured origin.

    Args:
        origin: The request's Origin header.
        host: The request's Host header: the origin is the page's own when its host and port
            are the ones the browser connected to (the scheme is not compared, so a TLS proxy
            in front of the bot does not turn its own page away).
        origins: Configured origins, normalised (``normalize_origin``).

    Returns:
        True for the page's own origin and for configured ones; False otherwise, also for an
        origin that is not of the form scheme://host[:port] (such as "null").
    """
    if not origin:
        return True  # not a browser: nothing to protect
    try:
        normalized = normalize_origin(origin)
    except InvalidOrigin:
        return False
    if normalized in origins:
        return True
    if not host:
        return False
    scheme = normalized.split("://", 1)[0]
    try:
        own = normalize_origin(f"{scheme}://{host}")
    except InvalidOrigin:
        return False
    return normalized == own


def origin_patterns(origins: Text) -> List[Text]:
    """Anchored, escaped patterns for a comma-separated list of exact origins.

    Args:
        origins: e.g. ``"https://help.example.com, https://www.example.com"``; blanks ignored.

    Raises:
        InvalidOrigin: One of the origins is invalid.
    """
    exact = [normalize_origin(o) for o in origins.split(",") if o.strip()]
    return [re.escape(origin) + r"\Z" for origin in dict.fromkeys(exact)]


def main(argv: Optional[List[Text]] = None) -> int:
    """Prints the patterns for ``argv[0]``, one per line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.server.cors 'https://a.example,https://b.example'", file=sys.stderr)
        return 2
    try:
        patterns = origin_patterns(args[0])
    except InvalidOrigin as e:
        print(f"error: CORS_ORIGINS: {e}", file=sys.stderr)
        return 2
    print("\n".join(patterns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
