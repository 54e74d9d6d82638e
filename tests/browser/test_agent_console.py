"""The agent console in a real browser: token, suggestions, Copy (clipboard + /chosen), errors."""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.live, pytest.mark.browser]

QUESTION = "which documents do I need to upload?"


@pytest.fixture
def token() -> str:
    value = os.environ.get("AGENT_ASSIST_TOKEN")
    if not value:
        pytest.skip(
            "AGENT_ASSIST_TOKEN not set: it must be the token the live bot was started with"
        )
    return value


def ask(page, bot_url: str, token: str, question: str = QUESTION) -> None:
    page.goto(bot_url + "/agent/")
    page.fill("#token", token)
    page.fill("#message", question)
    page.click("#suggest")


def test_suggest_and_copy(page, bot_url, token):
    ask(page, bot_url, token)
    first = page.locator(".card").first
    first.wait_for()
    assert page.locator(".card").count() >= 1
    text = first.locator(".text").evaluate("el => el.textContent")
    assert text.startswith("For ICP Filing you upload these documents")
    assert "\n1. Image requirements" in text  # buttons as a numbered list, newlines kept
    assert first.locator(".intent").inner_text() == "faq_documents"
    assert first.locator(".percent").inner_text().endswith("%")
    assert first.locator(".source").inner_text().startswith(
        "FAQ: Document upload requirements (#section_t2v_rbt_zdb) · http://beian.aliyun.com/"
    )
    assert first.locator(".source a").get_attribute("href") == "http://beian.aliyun.com/"

    with page.expect_response(lambda r: r.url.endswith("/webhooks/agent_assist/chosen")) as chosen:
        first.locator(".copy").click()
    assert chosen.value.status == 201
    assert first.locator(".copy").inner_text() == "Copied"
    assert page.evaluate("navigator.clipboard.readText()") == text
    # The token is kept for this tab only.
    assert page.evaluate("sessionStorage.getItem('agentAssistToken')") == token


def test_a_wrong_token_is_explained(page, bot_url):
    ask(page, bot_url, "not-the-token")
    status = page.locator("#status")
    status.wait_for()
    page.wait_for_function("document.querySelector('#status').textContent.includes('token')")
    assert "access token was not accepted" in status.inner_text()
    assert page.locator(".card").count() == 0


def test_works_on_a_phone(phone_page, bot_url, token):
    ask(phone_page, bot_url, token, "多个域名怎么填核验单？")
    phone_page.locator(".card").first.wait_for()
    assert "域名" in phone_page.locator(".card .text").first.inner_text()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
