"""The personal document checklist in a real browser: asked for in the widget, then printed."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_help_page import ANSWER, WAIT, ask, open_help

try:
    from playwright.sync_api import Page, expect
except ImportError:  # collected anyway; the browser fixture skips (fails in CI) with the reason
    pass

pytestmark = [pytest.mark.live, pytest.mark.browser]


def answer_after_click(page: Page, title: str, key: str) -> None:
    """Clicks the option ``title`` and waits for the answer tagged with response ``key``."""
    before = page.locator(ANSWER).count()
    page.locator(".rw-reply", has_text=title).last.click()
    expect(page.locator(ANSWER).nth(before)).to_have_class(re.compile(f"icp-key-{key}\\b"), timeout=WAIT)


def test_individual_in_jiangxi_owner_in_hong_kong_three_domains(page: Page, bot_url: str) -> None:
    open_help(page, bot_url)
    first = ask(page, "what do I need to prepare?")
    # Answered at once with the general list, then asked what tailors it.
    expect(first).to_have_class(re.compile(r"icp-key-utter_checklist_general\b"))
    expect(first).to_contain_text("signed authenticity statement")
    expect(page.locator(ANSWER + ".icp-key-utter_ask_applicant_type").last).to_be_visible(timeout=WAIT)
    answer_after_click(page, "Individual", "utter_ask_province")
    # The province is typed, as most users do (Jiangxi has no button).
    question = ask(page, "Jiangxi")
    expect(question).to_have_class(re.compile(r"icp-key-utter_ask_residency\b"))
    answer_after_click(page, "Hong Kong", "utter_ask_domain_count")
    answer_after_click(page, "3", "utter_ask_alibaba_domain")
    answer_after_click(page, "No", "utter_ask_use_app")
    answer_after_click(page, "No, from my computer", "utter_checklist")

    answer = page.locator(ANSWER + ".icp-key-utter_checklist").first
    expect(answer).to_contain_text("fingerprint")
    # The answer ends with its source line, shown small under it, with the rules' date.
    source = page.locator(ANSWER + ".icp-key-utter_checklist em").last
    expect(source).to_contain_text("Source: FAQ “Document upload FAQs”")
    expect(source).to_contain_text("Province rules valid as of")
    assert source.locator("a").get_attribute("href") == "http://beian.aliyun.com/"

    link = page.locator(ANSWER + ".icp-key-utter_checklist a[href^='/help/checklist?']")
    href = link.first.get_attribute("href")
    assert "province=jiangxi" in href and "residency=hong_kong" in href and "domains=3" in href
    page.goto(bot_url + href)
    page.emulate_media(media="print")
    expect(page.locator("h1")).to_have_text("Your document checklist")
    items = page.locator(".checklist__items")
    expect(items).to_contain_text("fingerprint")
    expect(items).to_contain_text("widened domain name area")
    expect(items).to_contain_text("Hong Kong and Macao residence permit")
    expect(items).to_contain_text("Mainland Travel Permit for Hong Kong and Macau Residents")
    expect(items).to_contain_text("4 MB")
    # The print stylesheet applies: no button on paper, and each source's address printed.
    expect(page.locator("#print")).to_be_hidden()
    after = page.locator(".checklist__source a").first.evaluate(
        "el => getComputedStyle(el, '::after').content"
    )
    assert "http" in after
