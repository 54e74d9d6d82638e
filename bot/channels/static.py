"""One static-file server for the pages the Rasa server hosts (/help/ and /agent/).

Only the files listed for a site are served, so no request can reach other files; unknown
names get a JSON 404 and a listed file missing on disk a JSON 503, with the same security
headers on every page.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Text, Tuple

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.http import json_response

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


class Asset(NamedTuple):
    """A file served by a site.

    Attributes:
        path: The file.
        content_type: Its media type.
        transform: Applied to the file's bytes before they are served (a fix to a third-party
            file); the result is kept until the file changes.
    """

    path: Path
    content_type: Text
    transform: Optional[Callable[[bytes], bytes]] = None


def page_assets(directory: Path, **extra: Asset) -> Dict[Text, Asset]:
    """A page's files: ``index.html`` (also at the bare prefix), ``app.js``, ``style.css``, and
    ``extra`` ones by URL name."""
    index = Asset(directory / "index.html", HTML)
    return {
        "": index,
        "index.html": index,
        "app.js": Asset(directory / "app.js", JAVASCRIPT),
        "style.css": Asset(directory / "style.css", CSS),
        **extra,
    }


def content_security_policy(*extra: Text) -> Text:
    """The pages' policy: own scripts only, nothing from other hosts; ``extra`` directives
    are appended (a site that needs inline styles says so)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            *extra,
        ]
    )


class StaticSite:
    """The files of one page, served under one URL prefix."""

    def __init__(self, name: Text, assets: Mapping[Text, Asset], csp: Text) -> None:
        """Creates the site.

        Args:
            name: What the site is, for errors ("help page", "agent console").
            assets: URL path below the prefix -> file; ``""`` and ``"index.html"`` are the page.
            csp: The site's Content-Security-Policy.
        """
        self.name = name
        self.assets = dict(assets)
        self.headers = {
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # Revalidate on every load so a changed page is never mixed with old files.
            "Cache-Control": "no-cache",
        }
        # Transformed assets: URL name -> (file modification time, transformed bytes).
        self._transformed: Dict[Text, Tuple[float, bytes]] = {}

    def _transform(self, name: Text, asset: Asset) -> bytes:
        mtime = asset.path.stat().st_mtime
        cached = self._transformed.get(name)
        if cached is None or cached[0] != mtime:
            cached = (mtime, asset.transform(asset.path.read_bytes()))
            self._transformed[name] = cached
        return cached[1]

    async def serve(self, name: Text) -> HTTPResponse:
        """The file at ``name`` (relative to the prefix), or a JSON 404 / 503."""
        found = self.assets.get(name)
        if found is None:
            return json_response(404, {"error": "Not found."})
        try:
            if found.transform is not None:
                body = await asyncio.to_thread(self._transform, name, found)
                return response.raw(body, content_type=found.content_type, headers=self.headers)
            return await response.file(
                found.path, mime_type=found.content_type, headers=self.headers
            )
        except OSError:
            logger.error("The %s file %s is missing or unreadable", self.name, found.path)
            return json_response(
                503, {"error": f"The {self.name} is not installed on this server."}
            )

    def add_routes(self, blueprint: Blueprint, prefix: Text) -> None:
        """Routes ``prefix`` (redirect), ``prefix/`` and ``prefix/<file>`` to this site."""

        # strict_slashes: otherwise Sanic folds "/x/" into "/x" and answers 404 for it.
        @blueprint.route(prefix, methods=["GET", "HEAD"], strict_slashes=True)
        async def bare(request: Request) -> HTTPResponse:
            # The page's relative URLs (app.js, style.css) need the trailing slash.
            return response.redirect(request.path + "/")

        @blueprint.route(prefix + "/<name:path>", methods=["GET", "HEAD"])
        async def asset(request: Request, name: Text = "") -> HTTPResponse:
            return await self.serve(name)

        @blueprint.route(prefix + "/", methods=["GET", "HEAD"], strict_slashes=True)
        async def index(request: Request) -> HTTPResponse:
            return await self.serve("")
