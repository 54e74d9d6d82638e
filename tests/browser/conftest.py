"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against the live bot.

Fixtures: ``new_page`` (a page in a fresh context, any viewport), ``page`` (desktop, clipboard
allowed) and ``phone_page`` (375x667). A failing test leaves a screenshot and the HTML of its
pages in test-artifacts/. Without Chromium or Playwright the browser tests are skipped with the
reason when run by hand; in `make test` (scripts/test.sh sets REQUIRE_BROWSER=1, after
scripts/system_setup.sh installed Chromium) and in CI (CI=true) that is a setup error and they
fail.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root. The rest keeps Chromium off the network, which is closed here:
# no update checks, no sync, no background fetches.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the help page in headless Chromium")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    # Remember each phase's outcome on the test, for the page fixture's failure artifacts.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(reason: str) -> None:
    # `make test` must not pass without having driven a browser: there a skip is a failure.
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests cannot run in `make test` (REQUIRE_BROWSER=1): {reason}")
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(bot_url: str) -> Iterator[Any]:
    """A headless Chromium shared by the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements.lock)")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Opens pages in fresh browser contexts (empty storage: a new conversation each test).

    When the test fails, a screenshot and the HTML of every page it opened are saved in
    test-artifacts/.
    """
    pages = []

    def open_page(viewport: dict = DESKTOP, locale: str = "en-US", **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, locale=locale, **options)
        context.set_default_timeout(30_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page

    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, page in enumerate(pages):
        if failed and not page.is_closed():
            ARTIFACTS.mkdir(exist_ok=True)
            stem = ARTIFACTS / f"{name}-{number}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as error:  # the page may be what broke; keep the original failure
                Path(f"{stem}.error.txt").write_text(repr(error), encoding="utf-8")
        page.context.close()


@pytest.fixture
def page(new_page: Callable[..., Any], bot_url: str) -> Any:
    """A desktop-sized page that may use the clipboard (Copy buttons)."""
    opened = new_page()
    opened.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=bot_url)
    return opened


@pytest.fixture
def phone_page(new_page: Callable[..., Any]) -> Any:
    """A phone-sized page (375x667, touch)."""
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True)
