"""Agent assist on the running bot: auth, bad input, tailoring, read-only, languages, ranking.

Needs BOT_URL and AGENT_ASSIST_TOKEN (the token the bot was started with; scripts/test.sh
exports both). The read-only check counts the conversation's rows in the tracker store when
TRACKER_DB_URL is a SQLite file this process can read, and always checks it by behaviour.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.core.topics import load_topics
from bot.nlu.language import detect_language

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SUGGEST = "/webhooks/agent_assist/suggest"
CHOSEN = "/webhooks/agent_assist/chosen"
TOP_K = 3
MIN_TOP_K_RATE = 0.95


@pytest.fixture(scope="module")
def token() -> str:
    value = os.environ.get("AGENT_ASSIST_TOKEN")
    if not value:
        pytest.skip(
            "AGENT_ASSIST_TOKEN not set: it must be the token the live bot was started with"
        )
    return value


def request(
    url: str, data: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
) -> Tuple[int, Any, Any]:
    """Sends a request; returns (status, decoded JSON or text, headers)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw, response_headers = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, raw, response_headers = e.code, e.read(), e.headers
    try:
        return status, json.loads(raw or b"null"), response_headers
    except ValueError:
        return status, raw.decode("utf-8", "replace"), response_headers


def post(url: str, path: str, payload: Any, token: Optional[str]) -> Tuple[int, Any, Any]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return request(url + path, data, headers)


def suggest(
    url: str, token: str, text: str, sender_id: Optional[str] = None, k: int = TOP_K
) -> Dict:
    payload: Dict[str, Any] = {"text": text, "k": k}
    if sender_id:
        payload["sender_id"] = sender_id
    status, body, _ = post(url, SUGGEST, payload, token)
    assert status == 200, body
    return body


def say(url: str, sender: str, message: str) -> List[Dict[str, Any]]:
    status, messages, _ = post(
        url, "/webhooks/rest/webhook", {"sender": sender, "message": message}, None
    )
    assert status == 200 and messages, messages
    return messages


def tracker_db() -> Optional[Path]:
    """The tracker store's SQLite file, when this process can read it."""
    url = os.environ.get("TRACKER_DB_URL", "")
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    path = Path(database) if database else None
    return path if path and path.is_file() else None


def stored_events(sender_id: str) -> Optional[int]:
    path = tracker_db()
    if path is None:
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)
        ).fetchone()
    return count


def is_mostly_chinese(text: str) -> bool:
    return detect_language(text) == "zh"


# --- Auth --------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(bot_url, token):
    status, body, headers = post(bot_url, SUGGEST, {"text": "which documents?"}, None)
    assert status == 401 and body["error"]
    assert headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("wrong", ["wrong-token", "t\u00f6k\u00e9n", "x" * 500])
def test_a_wrong_token_is_401(bot_url, token, wrong):
    status, body, headers = post(bot_url, SUGGEST, {"text": "which documents?"}, wrong)
    assert status == 401 and body["error"] == "Invalid access token."
    assert headers["WWW-Authenticate"].startswith("Bearer")


def test_the_right_token_gets_suggestions(bot_url, token):
    body = suggest(bot_url, token, "which documents do I need to upload?")
    first = body["suggestions"][0]
    assert first["intent"] == "faq_documents"
    assert 0 < first["confidence"] <= 1 and first["source"]["section"] == "Document upload requirements"
    assert "1. Image requirements" in first["text"]


def test_chosen_records_feedback_with_the_right_token_only(bot_url, token):
    chosen = {
        "sender_id": "live-agent",
        "text": "which documents?",
        "intent": "faq_documents",
        "language": "en",
    }
    assert post(bot_url, CHOSEN, chosen, "wrong")[0] == 401
    status, body, _ = post(bot_url, CHOSEN, chosen, token)
    assert status == 201 and body["id"] >= 1
    status, body, _ = post(bot_url, CHOSEN, {**chosen, "intent": "no_such_intent"}, token)
    assert status == 400 and body["error"]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{broken",
        b"\xff\xfe",
        b"[1, 2]",
        b'"which documents?"',
        b"null",
        json.dumps({}).encode(),
        json.dumps({"text": ""}).encode(),
        json.dumps({"text": "   "}).encode(),
        json.dumps({"text": 42}).encode(),
        json.dumps({"text": "x" * 2001}).encode(),
        json.dumps({"text": "hi", "k": 0}).encode(),
        json.dumps({"text": "hi", "k": 11}).encode(),
        json.dumps({"text": "hi", "k": "3"}).encode(),
        json.dumps({"text": "hi", "k": 1.5}).encode(),
        json.dumps({"text": "hi", "sender_id": 12}).encode(),
        json.dumps({"text": "hi", "sender_id": "s" * 129}).encode(),
    ],
)
def test_bad_input_is_400_with_a_reason(bot_url, token, raw):
    status, body, _ = post(bot_url, SUGGEST, raw, token)
    assert status == 400
    assert isinstance(body, dict) and body.get("error")


def test_an_oversized_body_is_413(bot_url, token):
    status, body, _ = post(bot_url, SUGGEST, {"text": "x" * 70000}, token)
    assert status == 413 and "larger than" in body["error"]


# --- Tailoring and the customer's conversation -------------------------------------------------


def test_suggestions_are_tailored_to_the_conversation_which_stays_unchanged(bot_url, token):
    sender = "live-aa-" + uuid.uuid4().hex[:12]
    say(bot_url, sender, "I'm filing in Gansu as a company")
    events_before = stored_events(sender)

    body = suggest(bot_url, token, "where do several domains go?", sender)
    first = body["suggestions"][0]
    assert first["intent"] == "multi_domain"
    assert "Gansu" in first["text"] and "widened" in first["text"], first["text"]

    # A province and a language the customer never gave: they tailor the suggestion only.
    body = suggest(bot_url, token, "多个域名在湖南怎么填？", sender)
    assert body["language"] == "zh" and "湖南" in body["suggestions"][0]["text"]

    if events_before is not None:
        assert stored_events(sender) == events_before
    # The conversation still knows Gansu and English: the bot answers the customer that way.
    answer = " ".join(
        m.get("text", "") for m in say(bot_url, sender, "where do several domains go?")
    )
    assert "Gansu" in answer and "Hunan" not in answer and not is_mostly_chinese(answer)


def test_chinese_in_chinese_out(bot_url, token):
    body = suggest(bot_url, token, "核验单上要填好几个域名，怎么办？")
    assert body["language"] == "zh"
    assert body["suggestions"][0]["intent"] == "multi_domain"
    assert all(is_mostly_chinese(s["text"]) for s in body["suggestions"])


def test_out_of_scope_gets_the_out_of_scope_reply(bot_url, token):
    body = suggest(bot_url, token, "what's the weather like in Paris tomorrow?")
    assert [s["intent"] for s in body["suggestions"]] == ["out_of_scope"]


# --- Ranking quality ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_right_answer_is_in_the_top_3(bot_url, token, language):
    topics = load_topics()
    devset = yaml.safe_load(
        (ROOT / "tests" / "devset" / f"{language}.yml").read_text(encoding="utf-8")
    )
    questions = [
        (text, intent)
        for intent, texts in devset.items()
        if intent in topics and topics[intent].suggestable
        for text in texts or []
    ]
    misses, latencies = [], []
    for text, intent in questions:
        started = time.perf_counter()
        body = suggest(bot_url, token, text)
        latencies.append(time.perf_counter() - started)
        if intent not in [s["intent"] for s in body["suggestions"]]:
            misses.append((text, intent, [s["intent"] for s in body["suggestions"]]))
    rate = 1 - len(misses) / len(questions)
    p50_ms = statistics.median(latencies) * 1000
    print(
        f"\nagent assist {language}: right intent in top {TOP_K} for {rate:.1%} of "
        f"{len(questions)} development-set questions; /suggest p50 {p50_ms:.0f} ms"
    )
    for miss in misses:
        print("  missed:", miss)
    assert rate >= MIN_TOP_K_RATE


# --- Console -----------------------------------------------------------------------------------


def test_the_console_is_served_at_slash_agent(bot_url):
    status, page, headers = request(bot_url + "/agent/")
    assert status == 200 and "Agent assist" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert request(bot_url + "/agent/app.js")[0] == 200
    assert request(bot_url + "/agent/style.css")[0] == 200
    assert request(bot_url + "/agent/secrets.txt")[0] == 404
    with urllib.request.urlopen(bot_url + "/agent", timeout=30) as resp:
        assert resp.status == 200 and resp.url.endswith("/agent/")
