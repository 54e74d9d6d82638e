"""The whole handoff loop in two browsers: the applicant on the help page, an agent on the console.

The applicant asks a question, asks for a person, keeps typing; the agent sees the conversation
in the inbox, claims it, puts a suggestion in the editor, edits and sends it, and the applicant
sees it in the same chat; the agent releases it and the bot answers again. In English and
Chinese.
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_help_page import WAIT, ask, open_help, session_id

pytestmark = [pytest.mark.live, pytest.mark.browser]

CASES = {
    "en": {
        "locale": "en-US",
        "question": "which documents do I need to upload?",
        "person": "i want to talk to a human",
        "queued": re.compile(r"You are number \d+ in the queue"),
        "kept": "My order was rejected twice, order 12345",
        "joined": "A support agent has joined the chat.",
        "signature": " (Alice, support)",
        "released": "The support agent has left the chat.",
    },
    "zh": {
        "locale": "zh-CN",
        "question": "需要上传哪些资料？",
        "person": "转人工客服",
        "queued": re.compile(r"你目前排在第 \d+ 位"),
        "kept": "我的订单被驳回两次了，订单号12345",
        "joined": "人工客服已加入对话。",
        "signature": "（客服小李）",
        "released": "人工客服已离开对话。",
    },
}


@pytest.fixture
def token() -> str:
    value = os.environ.get("AGENT_ASSIST_TOKEN")
    if not value:
        pytest.skip("AGENT_ASSIST_TOKEN not set: it must be the token the live bot was started with")
    return value


def say(page: Page, text: str) -> None:
    page.locator(".rw-new-message").fill(text)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", sorted(CASES))
def test_handoff_loop(new_page, bot_url: str, token: str, language: str) -> None:
    case = CASES[language]
    user = new_page(locale=case["locale"])
    open_help(user, bot_url)
    ask(user, case["question"])
    say(user, case["person"])
    expect(user.locator(".rw-response", has_text=case["queued"])).to_be_visible(timeout=WAIT)
    # The handoff notice is not an answer to rate.
    expect(user.locator(".rw-response.icp-answer", has_text=case["queued"])).to_have_count(0)
    say(user, case["kept"])
    # The widget holds "<conversation>.<proof>"; Rasa and the console know the conversation.
    sender = session_id(user).split(".")[0]

    agent = new_page()
    agent.goto(bot_url + "/agent/")
    agent.fill("#token", token)
    item = agent.locator(f'#inbox-waiting [data-sender="{sender}"]')
    item.click(timeout=WAIT)
    # The user's message typed while waiting is kept for the agent, shown as text.
    expect(agent.locator("#transcript .msg.user", has_text=case["kept"])).to_be_visible(timeout=WAIT)
    expect(agent.locator("#conv-context")).to_contain_text(language)
    agent.locator("#claim").press("Enter")  # keyboard-friendly
    expect(user.locator(".rw-response", has_text=case["joined"])).to_be_visible(timeout=WAIT)
    expect(agent.locator(f'#inbox-mine [data-sender="{sender}"]')).to_be_visible(timeout=WAIT)

    uses = agent.locator("#live-suggestions .use")
    expect(uses.first).to_be_visible(timeout=WAIT)
    assert 1 <= uses.count() <= 3
    uses.first.click()
    suggestion = agent.locator("#reply-text").input_value()
    assert suggestion
    agent.locator("#reply-text").press("End")
    agent.locator("#reply-text").type(case["signature"])
    agent.locator("#reply-text").press("Control+Enter")
    expect(user.locator(".rw-response", has_text=case["signature"].strip())).to_be_visible(timeout=WAIT)
    expect(agent.locator("#transcript .msg.agent", has_text=case["signature"].strip())).to_be_visible(timeout=WAIT)

    agent.click("#release")
    expect(user.locator(".rw-response", has_text=case["released"])).to_be_visible(timeout=WAIT)
    answer = ask(user, case["question"])
    expect(answer).to_have_class(re.compile("icp-key-utter_faq_documents"), timeout=WAIT)
