"""The help page channel: feedback validation, served files, and (live) its HTTP routes."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from email.message import Message
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urljoin

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.http import MAX_BODY_BYTES, RequestError
from bot.channels.static import JAVASCRIPT, Asset, StaticSite
from bot.channels.web import HELP_PAGE, WIDGET_BUNDLE, HelpPageInput, parse_feedback, widget_bundle
from bot.feedback.models import Feedback
from bot.stores.db import get_engine

VALID: Dict[str, str] = {
    "sender_id": "abc123",
    "question": "Which documents do I need?",
    "answer_key": "utter_faq_documents",
    "language": "en",
    "rating": "helpful",
}
KNOWN = {"utter_faq_documents", "utter_greet"}


def body(**changes: Any) -> bytes:
    values: Dict[str, Any] = {**VALID, **changes}
    return json.dumps({k: v for k, v in values.items() if v is not ...}).encode()


def refused(raw: bytes, known: Optional[set] = KNOWN) -> RequestError:
    with pytest.raises(RequestError) as error:
        parse_feedback(raw, known)
    return error.value


# --- unit -------------------------------------------------------------------------------------


def test_valid_feedback_is_parsed_and_cleaned() -> None:
    fields = parse_feedback(body(question="  Which\x00 documents?\x1b "), KNOWN)
    assert fields == {**VALID, "question": "Which  documents?"}


def test_any_well_formed_key_is_accepted_while_the_model_is_not_loaded() -> None:
    assert parse_feedback(body(answer_key="utter_other"), None)["answer_key"] == "utter_other"


@pytest.mark.parametrize(
    "raw, status, message",
    [
        (b"", 400, "not valid JSON"),
        (b"{broken", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid UTF-8"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'"text"', 400, "must be a JSON object"),
        (b"null", 400, "must be a JSON object"),
        (body(extra="x"), 400, "Unknown field(s): extra"),
        (body(rating=...), 400, "'rating' is required"),
        (body(sender_id=5), 400, "'sender_id' must be a string"),
        (body(question=None), 400, "'question' must be a string"),
        (body(rating=True), 400, "'rating' must be a string"),
        (body(answer_key=["utter_greet"]), 400, "'answer_key' must be a string"),
        (body(sender_id=""), 400, "'sender_id' must be 1 to 128"),
        (body(sender_id="s" * 129), 400, "'sender_id' must be 1 to 128"),
        (body(question=" \x00 "), 400, "'question' must be 1 to 2000"),
        (body(question="q" * 2001), 400, "'question' must be 1 to 2000"),
        (body(answer_key="<img src=x>"), 400, "'answer_key' must be a response name"),
        (body(answer_key="utter_unknown"), 400, "'utter_unknown' is not a known response"),
        (body(language="fr"), 400, "'language' must be one of: en, zh"),
        (body(rating="5 stars"), 400, "'rating' must be one of: helpful, not_helpful"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "larger than 65536 bytes"),
    ],
)
def test_bad_feedback_is_refused_with_a_clear_message(raw: bytes, status: int, message: str) -> None:
    error = refused(raw)
    assert error.status == status
    assert message in error.message


def test_a_body_of_exactly_the_limit_is_read() -> None:
    raw = body()
    raw = raw[:-1] + b" " * (MAX_BODY_BYTES - len(raw)) + b"}"
    assert len(raw) == MAX_BODY_BYTES
    assert parse_feedback(raw, KNOWN) == VALID


def test_served_files_exist() -> None:
    # The widget bundle is installed by scripts/web_setup.sh; the page's own files are in git.
    for name, asset in HELP_PAGE.assets.items():
        if name != "webchat.js":
            assert asset.path.is_file(), asset.path


# The socket.io connection of rasa-webchat 1.0.1's bundle, as minified.
STOCK_SOCKETIO = b'Go={socketio:function(e,t,n){var r=n?{path:n}:{},o=zo()(e,r);return o}}'


def test_the_widget_bundle_passes_the_protocol_options_to_socketio() -> None:
    fixed = widget_bundle(STOCK_SOCKETIO)
    assert fixed == (
        b"Go={socketio:function(e,t,n,icpOptions)"
        b"{var r=Object.assign(n?{path:n}:{},icpOptions),o=zo()(e,r);return o}}"
    )


def test_an_unknown_widget_bundle_is_served_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    other = b"Go={socketio:function(e,t,n,o){var r=Object.assign({path:n},o)}}"
    assert widget_bundle(other) == other
    assert "not rasa-webchat 1.0.1" in caplog.text


@pytest.mark.skipif(not WIDGET_BUNDLE.is_file(), reason="widget not installed (scripts/web_setup.sh)")
def test_the_installed_widget_bundle_gets_the_fix() -> None:
    fixed = widget_bundle(WIDGET_BUNDLE.read_bytes())
    assert fixed.count(b",icpOptions){var ") == 1
    assert b"Object.assign(n?{path:n}:{},icpOptions)" in fixed


@pytest.mark.asyncio
async def test_a_transformed_asset_is_served_transformed_and_redone_when_it_changes(tmp_path) -> None:
    script = tmp_path / "w.js"
    script.write_bytes(b"one")
    calls = []

    def upper(raw: bytes) -> bytes:
        calls.append(raw)
        return raw.upper()

    site = StaticSite("test", {"w.js": Asset(script, JAVASCRIPT, upper)}, "default-src 'self'")
    assert (await site.serve("w.js")).body == b"ONE"
    assert (await site.serve("w.js")).body == b"ONE"
    assert calls == [b"one"]  # kept, not transformed on every request
    script.write_bytes(b"two")
    os.utime(script, (1, 1))  # a new modification time, even within the clock's resolution
    served = await site.serve("w.js")
    assert served.body == b"TWO"
    assert served.headers["Content-Security-Policy"] == "default-src 'self'"


def test_the_help_page_asks_the_widget_for_websocket_only() -> None:
    script = HELP_PAGE.assets["app.js"].path.read_text(encoding="utf-8")
    assert 'protocolOptions: { transports: ["websocket"] }' in script


def test_the_blueprint_mounts_at_the_server_root() -> None:
    # Rasa registers each channel at urljoin("/webhooks/", url_prefix()).
    assert urljoin("/webhooks/", HelpPageInput().url_prefix()) == "/"


# --- live -------------------------------------------------------------------------------------


def request(
    url: str, path: str, data: Optional[bytes] = None, method: str = "GET"
) -> Tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of a request to the live bot."""
    req = urllib.request.Request(
        url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.live
def test_help_page_is_served_with_a_strict_policy(bot_url: str) -> None:
    status, headers, content = request(bot_url, "/help/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Content-Security-Policy"] == HELP_PAGE.headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b'<script src="webchat.js"></script>' in content


@pytest.mark.live
@pytest.mark.parametrize(
    "path, content_type, marker",
    [
        ("/help/app.js", "text/javascript", b"WebChat.default"),
        ("/help/style.css", "text/css", b"#chat"),
        ("/help/webchat.js", "text/javascript", b"Object.assign(n?{path:n}:{},icpOptions)"),
    ],
)
def test_page_files_are_served(bot_url: str, path: str, content_type: str, marker: bytes) -> None:
    status, headers, content = request(bot_url, path)
    assert status == 200
    assert headers["Content-Type"].startswith(content_type)
    assert marker in content


@pytest.mark.live
def test_help_without_slash_redirects(bot_url: str) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as error:
        opener.open(bot_url + "/help", timeout=30)
    assert error.value.code == 302
    assert error.value.headers["Location"] == "/help/"


@pytest.mark.live
@pytest.mark.parametrize(
    "path",
    ["/help/../README.md", "/help/%2e%2e/README.md", "/help/..%2fREADME.md",
     "/help/node_modules/rasa-webchat/package.json", "/help/app.js/x"],
)
def test_no_other_file_is_served(bot_url: str, path: str) -> None:
    status, _, content = request(bot_url, path)
    assert status == 404
    assert b"README" not in content and b"rasa-webchat" not in content


@pytest.mark.live
def test_feedback_is_stored(bot_url: str) -> None:
    session_id, answer_key = widget_answer(bot_url, "需要上传哪些材料？")
    rating = body(sender_id=session_id, answer_key=answer_key, rating="not_helpful", language="zh")
    status, _, content = request(bot_url, "/webhooks/feedback", rating, "POST")
    assert status == 201
    feedback_id = json.loads(content)["id"]
    # The test process reads the database the bot writes (RULES_DB_URL, see scripts/env.sh).
    with Session(get_engine()) as session:
        row = session.scalars(select(Feedback).where(Feedback.id == feedback_id)).one()
        assert (row.sender_id, row.answer_key, row.language, row.rating, row.source) == (
            session_id.split(".")[0], answer_key, "zh", "not_helpful", "chat"
        )
    # Once per answer given; a made-up conversation is refused.
    assert request(bot_url, "/webhooks/feedback", rating, "POST")[0] == 409
    forged = body(sender_id="live-" + uuid.uuid4().hex[:12])
    assert request(bot_url, "/webhooks/feedback", forged, "POST")[0] == 403


def widget_answer(bot_url: str, question: str) -> Tuple[str, str]:
    """Asks the live bot through its widget protocol; returns the session id and the answer's key."""
    import asyncio

    import socketio

    async def ask() -> Tuple[str, str]:
        client = socketio.AsyncClient(reconnection=False)
        confirmed: "asyncio.Future[str]" = asyncio.get_running_loop().create_future()
        answers: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()

        def confirm(session_id: str) -> None:
            if not confirmed.done():
                confirmed.set_result(session_id)

        client.on("session_confirm", confirm)
        client.on("bot_uttered", answers.put_nowait)
        await client.connect(bot_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": None})
            session_id = await asyncio.wait_for(confirmed, 10)
            await client.emit("user_uttered", {"message": question, "session_id": session_id})
            reply = await asyncio.wait_for(answers.get(), 60)
        finally:
            await client.eio.disconnect(abort=True)
        return session_id, reply["metadata"]["utter_action"]

    return asyncio.run(ask())


@pytest.mark.live
@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{broken", 400),
        (b"[]", 400),
        (body(answer_key="utter_no_such_response"), 400),
        (body(rating="meh"), 400),
        (json.dumps({**VALID, "question": "x" * 70000}).encode(), 413),
    ],
)
def test_bad_feedback_gets_a_clear_4xx(bot_url: str, raw: bytes, status: int) -> None:
    got, headers, content = request(bot_url, "/webhooks/feedback", raw, "POST")
    assert got == status
    assert json.loads(content)["error"]


@pytest.mark.live
def test_feedback_accepts_only_post(bot_url: str) -> None:
    status, _, _ = request(bot_url, "/webhooks/feedback")
    assert status == 405
