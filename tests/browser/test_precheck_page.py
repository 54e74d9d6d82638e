"""'Check a photo' in a real browser: choosing or dropping a file on the help page and in the agent
console shows each check's result in the page's language, as text."""
from __future__ import annotations

import base64
import re

import pytest

from bot.devtools.precheck_calibration import CardSpec, make_card

try:
    from playwright.sync_api import Page, expect
except ImportError:  # collected anyway; the browser fixture skips (fails in CI) with the reason
    pass

pytestmark = [pytest.mark.live, pytest.mark.browser]

WAIT = 30_000
PANEL = "#precheck"


def photo(**changes) -> dict:
    data = make_card(CardSpec(**changes))[0]
    return {"name": "id-card.jpg", "mimeType": "image/jpeg", "buffer": data}


def check_row(page: Page, check: str):
    return page.locator(f"{PANEL} [data-check='{check}']")


def test_choosing_a_blurry_photo_shows_each_check(page: Page, bot_url: str) -> None:
    page.goto(bot_url + "/help/#precheck")
    expect(page.locator("#precheck-panel")).to_have_attribute("open", "")
    page.locator(f"{PANEL} input[type=file]").first.set_input_files(photo(blur=5.0, seed=51))
    expect(check_row(page, "blurry")).to_have_attribute("data-status", "fail", timeout=WAIT)
    expect(check_row(page, "blurry")).to_contain_text("looks blurry")
    for passed in ("format", "size", "unreadable", "small", "exposure", "grayscale"):
        expect(check_row(page, passed)).to_have_attribute("data-status", "pass")
    expect(page.locator(f"{PANEL} .precheck__status")).to_have_text("Problems found:")
    expect(page.locator(f"{PANEL} .precheck__file")).to_contain_text("JPEG")
    expect(page.locator(f"{PANEL} .precheck__source")).to_have_text(
        "FAQ: Document upload requirements"
    )


def test_a_good_photo_passes(page: Page, bot_url: str) -> None:
    page.goto(bot_url + "/help/")
    # Beside the chat on a desktop, open without asking.
    expect(page.locator("#precheck-panel")).to_have_attribute("open", "")
    page.locator(f"{PANEL} input[type=file]").first.set_input_files(photo(seed=52))
    expect(page.locator(f"{PANEL} .precheck__status")).to_contain_text(
        "No problems found", timeout=WAIT
    )
    assert page.locator(f"{PANEL} [data-status='pass']").count() == 7


def test_a_chinese_browser_gets_chinese_results(new_page, bot_url: str) -> None:
    page = new_page(locale="zh-CN")
    page.goto(bot_url + "/help/#precheck")
    expect(page.locator(f"{PANEL} .precheck__title")).to_have_text("检查照片")
    page.locator(f"{PANEL} input[type=file]").first.set_input_files(photo(gain=0.2, seed=53))
    expect(check_row(page, "exposure")).to_contain_text("太暗", timeout=WAIT)
    # Colour and sharpness are not judged on a dark photo.
    expect(check_row(page, "blurry")).to_have_attribute("data-status", "skipped")
    expect(check_row(page, "blurry")).to_contain_text("未检查")


def test_dropping_a_pdf_names_its_format(page: Page, bot_url: str) -> None:
    page.goto(bot_url + "/help/#precheck")
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data_transfer = page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "scan.jpg", {type: "image/jpeg"}));
            return transfer;
        }""",
        base64.b64encode(pdf).decode(),
    )
    page.locator(f"{PANEL} .precheck__drop").dispatch_event("drop", {"dataTransfer": data_transfer})
    format_row = check_row(page, "format")
    expect(format_row).to_have_attribute("data-status", "fail", timeout=WAIT)
    expect(format_row).to_contain_text("PDF")  # named by its bytes, not its .jpg name
    expect(check_row(page, "blurry")).to_have_attribute("data-status", "skipped")
    expect(page.locator(f"{PANEL} .precheck__source")).to_contain_text(
        "Why can I not upload document images?"
    )


def test_server_text_is_shown_not_run(page: Page, bot_url: str) -> None:
    # Whatever comes back is inserted as text: no element is created from a message.
    page.goto(bot_url + "/help/#precheck")
    page.route(
        "**/webhooks/precheck**",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body='{"ok": false, "format": "<b>jpeg</b>", "bytes": 1, "width": 1, "height": 1,'
            ' "problems": [{"code": "blurry", "message": "<img src=x onerror=\\"window.__xss=1\\">"}],'
            ' "source": "<i>FAQ</i>"}',
        ),
    )
    page.locator(f"{PANEL} input[type=file]").first.set_input_files(photo(seed=54))
    expect(check_row(page, "blurry")).to_contain_text("<img src=x", timeout=WAIT)
    assert page.locator(f"{PANEL} img, {PANEL} b, {PANEL} i").count() == 0
    assert page.evaluate("window.__xss") is None


def test_phone_shows_a_collapsed_panel_with_a_camera_button(phone_page: Page, bot_url: str) -> None:
    phone_page.goto(bot_url + "/help/")
    panel = phone_page.locator("#precheck-panel")
    expect(panel).not_to_have_attribute("open", re.compile(".*"))
    panel.locator("summary").click()
    camera = phone_page.locator(f"{PANEL} input[capture=environment]")
    expect(camera).to_have_count(1)
    assert camera.get_attribute("accept") == "image/*"
    width = phone_page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]


def test_agent_console_checks_a_file_in_the_chosen_language(page: Page, bot_url: str) -> None:
    page.goto(bot_url + "/agent/")
    page.locator("#precheck-panel summary").click()
    page.locator(f"{PANEL} select").select_option("zh")
    page.locator(f"{PANEL} input[type=file]").first.set_input_files(
        photo(grayscale=True, seed=55)
    )
    expect(check_row(page, "grayscale")).to_contain_text("黑白", timeout=WAIT)
