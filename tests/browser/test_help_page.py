"""The help page at /help/ in a real browser: the chat widget, buttons, reloads, ratings, phones,
and no HTML or script executed from messages."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.feedback.models import Feedback
from bot.feedback.repository import FeedbackRepository
from bot.stores.db import get_engine

try:
    from playwright.sync_api import Locator, Page, WebSocketRoute, expect
except ImportError:  # collected anyway; the browser fixture skips (fails in CI) with the reason
    pass

pytestmark = [pytest.mark.live, pytest.mark.browser]

ANSWER = ".rw-response.icp-answer"  # bot bubbles tagged with their response name by app.js
WAIT = 30_000
XSS = (
    "<img src=x onerror=\"window.__xss='img'\"><script>window.__xss='script'</script>"
    "<svg onload=\"window.__xss='svg'\"></svg>"
)


def open_help(page: Page, bot_url: str) -> None:
    """Opens the page and waits for the greeting, so typing cannot overtake it."""
    page.goto(bot_url + "/help/")
    expect(page.locator(ANSWER).first).to_have_class(re.compile("icp-key-utter_greet"), timeout=WAIT)


def ask(page: Page, text: str) -> Locator:
    """Types a question and returns the bubble of the answer to it."""
    before = page.locator(ANSWER).count()
    page.locator(".rw-new-message").fill(text)
    page.keyboard.press("Enter")
    answer = page.locator(ANSWER).nth(before)
    answer.wait_for(timeout=WAIT)
    return answer


def session_id(page: Page) -> str:
    return json.loads(page.evaluate("() => localStorage.getItem('chat_session')"))["session_id"]


def feedback_rows(sender_id: str) -> List[Dict[str, Any]]:
    # The test process reads the database the bot writes (RULES_DB_URL, see scripts/env.sh).
    with Session(get_engine()) as session:
        rows = session.scalars(select(Feedback).where(Feedback.sender_id == sender_id)).all()
        return [
            {k: getattr(r, k) for k in ("question", "answer_key", "language", "rating", "source")}
            for r in rows
        ]


def test_answers_a_question(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    answer = ask(page, "what image formats can i upload?")
    expect(answer).to_contain_text("4 MB")
    expect(answer).to_have_class(re.compile("icp-key-utter_faq_image_requirements"))
    # Newlines of the answer are kept: its list items are on lines of their own.
    assert answer.evaluate("el => getComputedStyle(el.querySelector('p')).whiteSpace") == "pre-line"
    lines = answer.inner_text().splitlines()
    assert len(lines) >= 4 and any(line.strip().startswith("Format .jpg") for line in lines)


def test_a_button_in_an_answer_is_answered(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    answer = ask(page, "which documents do I need to upload?")
    expect(answer).to_contain_text("For ICP Filing you upload these documents")
    before = page.locator(ANSWER).count()
    page.locator(".rw-reply", has_text="Image requirements").click()
    expect(page.locator(".rw-client").last).to_have_text("Image requirements")
    expect(page.locator(ANSWER).nth(before)).to_contain_text("4 MB", timeout=WAIT)


def test_the_conversation_survives_a_reload(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    ask(page, "which documents do I need to upload?")
    session = session_id(page)
    page.reload()
    expect(page.locator(".rw-client", has_text="which documents do I need")).to_be_visible()
    expect(page.locator(ANSWER, has_text="For ICP Filing you upload")).to_be_visible()
    assert session_id(page) == session
    # Still the same conversation on the server: the next question is answered there.
    expect(ask(page, "what image formats can i upload?")).to_contain_text("4 MB")
    assert session_id(page) == session


def test_rating_an_answer_is_stored(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    question = "需要上传哪些材料？"
    answer = ask(page, question)
    expect(answer).to_contain_text("ICP备案需要上传以下材料")
    control = page.locator(".icp-feedback").last
    expect(control).to_contain_text("这个回答有帮助吗？")
    with page.expect_response(lambda r: r.url.endswith("/webhooks/feedback")) as posted:
        control.get_by_role("button", name="没有帮助").click()
    assert posted.value.status == 201
    expect(control).to_have_text("感谢你的反馈！")

    assert feedback_rows(session_id(page).split(".")[0]) == [
        {
            "question": question,
            "answer_key": "utter_faq_documents",
            "language": "zh",
            "rating": "not_helpful",
            "source": "chat",
        }
    ]
    worst = FeedbackRepository(get_engine()).least_helpful(limit=1000)
    assert any(s.answer_key == "utter_faq_documents" and s.language == "zh" for s in worst)
    unanswered = [q.question for q in FeedbackRepository(get_engine()).unanswered(limit=1000)]
    assert question in unanswered
    # Rated once: after a reload the answer shows the thanks, not the buttons.
    page.reload()
    expect(page.locator(".icp-feedback").last).to_have_text("感谢你的反馈！")


def test_a_button_answer_is_rated_with_the_button_title_as_question(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    page.locator(".rw-reply", has_text="Image requirements").click()
    control = page.locator(".icp-feedback").last
    expect(control).to_contain_text("Was this helpful?", timeout=WAIT)
    control.get_by_role("button", name="Helpful", exact=True).click()
    expect(control).to_have_text("Thanks for your feedback.")
    assert feedback_rows(session_id(page).split(".")[0]) == [
        {
            "question": "Image requirements",
            "answer_key": "utter_faq_image_requirements",
            "language": "en",
            "rating": "helpful",
            "source": "chat",
        }
    ]


def test_the_greeting_is_not_rated(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    page.wait_for_timeout(500)
    assert page.locator(".icp-feedback").count() == 0


def test_phone_viewport_has_no_horizontal_overflow(phone_page: Page, bot_url: str) -> None:
    open_help(phone_page, bot_url)
    ask(phone_page, "how do I sign the authenticity verification form as a company in Guangdong?")
    # A long unbroken word (a file name, a URL) must wrap too.
    ask(phone_page, "is " + "x" * 120 + ".jpg too long?")
    widths = phone_page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
                  document.querySelector('.rw-messages-container').scrollWidth,
                  document.querySelector('.rw-messages-container').clientWidth]"""
    )
    assert widths[0] <= widths[1] == 375, widths
    assert widths[2] <= widths[3], widths
    # The input is on screen, above the bottom edge, and the buttons can be tapped.
    box = phone_page.locator(".rw-new-message").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
    for reply in phone_page.locator(".rw-reply").all():
        reply_box = reply.bounding_box()
        assert reply_box and reply_box["x"] + reply_box["width"] <= 375


def test_html_typed_by_the_user_is_shown_not_run(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    ask(page, XSS)
    expect(page.locator(".rw-client").last).to_have_text(XSS)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#chat .rw-message-text :is(img, script, svg)").count() == 0


def test_the_widget_uses_a_websocket_and_no_long_polling(page: Page, bot_url: str) -> None:
    # One connection per page: it stays with the Rasa process that accepted it, so several
    # workers or instances need no sticky sessions (docs/deployment.md).
    socket_io = []
    page.on("request", lambda r: socket_io.append(r.url) if "/socket.io/" in r.url else None)
    page.on("websocket", lambda ws: socket_io.append(ws.url))
    open_help(page, bot_url)
    assert socket_io, "the widget opened no socket.io connection"
    assert all("transport=websocket" in url for url in socket_io), socket_io


def test_html_returned_by_the_bot_is_shown_not_run(page: Page, bot_url: str) -> None:
    sockets: List[WebSocketRoute] = []
    connected: List[bool] = []

    def relay(ws: WebSocketRoute) -> None:
        # Pass everything through, and keep the socket to inject a bot message below.
        server = ws.connect_to_server()

        def to_server(message: Any) -> None:
            # socket.io CONNECT: the widget talks over this websocket (it uses no long-polling).
            if isinstance(message, str) and message.startswith("40"):
                connected.append(True)
            server.send(message)

        ws.on_message(to_server)
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), relay)
    open_help(page, bot_url)
    for _ in range(100):
        if connected:
            break
        page.wait_for_timeout(100)
    assert connected, "the widget did not connect over a websocket"
    markdown = XSS + " [details](javascript:void(window.__xss='link'))"
    message = {"text": markdown, "metadata": {"utter_action": "utter_greet"}}
    sockets[-1].send("42" + json.dumps(["bot_uttered", message]))
    injected = page.locator(".rw-response", has_text="onerror")
    expect(injected).to_be_visible(timeout=WAIT)
    # Shown as text (markdown may still style parts of it).
    expect(injected).to_contain_text("<img src=x onerror=")
    expect(injected).to_contain_text("<script>")
    # The widget keeps javascript: links (opened in a new tab); nothing may run in this page.
    injected.get_by_text("details").click()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#chat .rw-message-text :is(img, script, svg)").count() == 0
